#ifndef PORTICO_CCURLSHIMS_H
#define PORTICO_CCURLSHIMS_H

// Typed wrappers over libcurl's variadic functions (curl_easy_setopt, curl_easy_getinfo), which
// Swift cannot call directly. Each wrapper passes exactly the argument type libcurl documents for
// the option, so a Swift caller cannot hand a long to a string option by mistake.

#include <curl/curl.h>
#include <stddef.h>

typedef size_t (*portico_curl_data_callback)(char *data, size_t size, size_t count, void *context);

CURLcode portico_curl_set_long(CURL *handle, CURLoption option, long value);
CURLcode portico_curl_set_string(CURL *handle, CURLoption option, const char *value);
/// Copies `length` bytes (CURL_BLOB_COPY): the caller may free its buffer right after the call.
CURLcode portico_curl_set_blob(CURL *handle, CURLoption option, const void *data, size_t length);
CURLcode portico_curl_set_header_list(CURL *handle, struct curl_slist *list);
/// CURLOPT_CONNECT_TO takes a list too.
CURLcode portico_curl_set_connect_to(CURL *handle, struct curl_slist *list);
CURLcode portico_curl_set_write_callback(CURL *handle, portico_curl_data_callback callback, void *context);
CURLcode portico_curl_set_header_callback(CURL *handle, portico_curl_data_callback callback, void *context);
CURLcode portico_curl_set_post_body(CURL *handle, const void *data, size_t length);

long portico_curl_response_code(CURL *handle);
long portico_curl_http_version(CURL *handle);

/// CURL_WRITEFUNC_PAUSE and friends are macros Swift does not import.
size_t portico_curl_write_abort(void);

#endif
