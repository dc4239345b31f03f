import PorticoPCRE

/// Checks a rendered nginx.conf line by line against the directives the default template may
/// produce, with PCRE. A line that matches none is a directive no rule asked for: an injection.
enum ConfigStructure {
    static let name = #"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"#
    static let path = #"/[A-Za-z0-9/._~!*+,:@=&-]*"#

    static let allowed: [PCRE] = {
        let patterns = [
            #"^$"#,
            #"^\s*# [ -~]*$"#,  // comments: printable ASCII only, never a line break inside
            #"^\s*}$"#,
            #"^(worker_processes (auto|\d+)|pid nginx\.pid|error_log (error\.log|stderr) warn|user [a-z_][a-z0-9_-]*);$"#,
            #"^(events|http) \{$"#,
            #"^    worker_connections \d+;$"#,
            #"^    (server_tokens off|map_hash_(max|bucket)_size \d+|access_log (access\.log|/dev/stdout)|(client_body|proxy|fastcgi|uwsgi|scgi)_temp_path [a-z_]+|resolver_timeout 5s|proxy_http_version 1\.1|proxy_redirect off);$"#,
            #"^    resolver [0-9a-f.:\[\]a-z-]+( [0-9a-f.:\[\]a-z-]+)* valid=10s;$"#,
            #"^    map \$(http_host \$portico_host|http_upgrade \$portico_connection|host \$portico_(exact|parent)_host|portico_parent_host \$portico_wildcard_host|portico_exact_host \$portico_vhost|portico_route \$portico_route_upstream) \{$"#,
            #"^        ("" (\$host|close|\$portico_wildcard_host)|default (\$http_host|upgrade|""|_|\$portico_exact_host));$"#,
            #"^        "~\^\[\^\.\]\+\\\.\(\.\+\)\$" \$1;$"#,
            #"^        NAME (\$scheme:)?(NAME|\*\.NAME);$"#,
            #"^        "/(_|(\*\.)?NAME)PATH" NAME:\d{1,5};$"#,
            #"^    proxy_set_header (Host|X-Forwarded-Host) \$portico_host;$"#,
            #"^    proxy_set_header (X-Forwarded-For \$proxy_add_x_forwarded_for|X-Forwarded-Proto \$scheme|X-Real-IP \$remote_addr|Upgrade \$http_upgrade|Connection \$portico_connection);$"#,
            // ingress-nginx's ConfigMap (--configmap): the http context's settings and forwarded headers.
            #"^    (server_tokens on|keepalive_timeout \d+s|keepalive_requests \d+|limit_(req|conn)_status \d{3}|real_ip_header [A-Za-z0-9_-]+|real_ip_recursive on|set_real_ip_from [0-9a-f.:]+/\d{1,3});$"#,
            #"^    map \$http_x_forwarded_(proto \$portico_forwarded_proto|host \$portico_forwarded_host|for \$portico_full_forwarded_for) \{$"#,
            #"^        ("" (\$scheme|\$portico_host|\$realip_remote_addr|\$proxy_protocol_addr)|default (\$http_x_forwarded_(proto|host)|"\$http_x_forwarded_for, \$(realip_remote_addr|proxy_protocol_addr)"));$"#,
            #"^ {4}( {8})?proxy_set_header (X-Forwarded-For \$(remote_addr|portico_full_forwarded_for)|X-Forwarded-Proto \$portico_forwarded_proto|X-Forwarded-Host \$portico_forwarded_host);$"#,
            #"^        listen ((\d{1,3}\.){3}\d{1,3}:|\[[0-9a-f:.]+\]:)?\d+ proxy_protocol (ssl http2 )?default_server;$"#,
            #"^    server \{$"#,
            #"^        (listen 127\.0\.0\.1:\d+|access_log off);$"#,
            #"^        location (= /portico/generation|/) \{$"#,
            #"^            return (404|200 "\d+");$"#,
            #"^        listen ((\d{1,3}\.){3}\d{1,3}:|\[[0-9a-f:.]+\]:)?\d+ default_server;$"#,
            #"^        (server_name _|rewrite \^ /\$portico_vhost\$uri break|uninitialized_variable_warn off);$"#,
            #"^        location (@portico_proxy(_[0-9a-f]{8}(_\d+)?)?|/(_|(\*\.)?NAME)/) \{$"#,
            #"^            ((allow|deny) [0-9a-f.:]+/\d{1,3}|deny all|proxy_(connect|read|send)_timeout \d{1,4}s|client_max_body_size \d+[kmg]?);$"#,
            #"^            proxy_pass https?://\$portico_upstream(\$request_uri)?;$"#,
            // ingress-nginx's regex matching and rewrite-target (quoted regexes, printable ASCII).
            #"^            location ~\* "\^[ -~]+" \{$"#,
            #"^                rewrite "\(\?i\)\^[ -~]+" /[A-Za-z0-9/._~:$-]*;$"#,
            // The proxying annotations, in a named location.
            #"^            (access_log off|proxy_(request_)?buffering (on|off)|proxy_buffer_size \d+[km]?|proxy_buffers \d+ \d+[km]?|proxy_http_version 1\.[01]);$"#,
            #"^            (proxy_next_upstream [a-z_0-9 ]+|proxy_next_upstream_tries \d+|proxy_next_upstream_timeout \d+s);$"#,
            // proxy-ssl-*: files named by their content, validated names, ciphers and protocols.
            #"^ {12}( {4})?(proxy|grpc)_ssl_(certificate(_key)? auth/[0-9a-f]{32}\.client\.pem|trusted_certificate auth/[0-9a-f]{32}\.ca\.pem|verify (on|off)|verify_depth \d{1,2}|server_name (on|off)|name NAME|ciphers [A-Za-z0-9+!_:-]+|protocols TLSv1\.[23]( TLSv1\.3)?);$"#,
            #"^            proxy_set_header (Host (\$portico_host|\$portico_upstream_vhost|"NAME(:\d+)?")|X-Forwarded-Prefix "[A-Za-z0-9/._~:-]+");$"#,
            #"^                set \$portico_upstream_vhost "NAME(:\d+)?";$"#,
            #"^            proxy_set_header (X-Forwarded-For \$proxy_add_x_forwarded_for|X-Forwarded-Proto \$scheme|X-Forwarded-Host \$portico_host|X-Real-IP \$remote_addr|Upgrade \$http_upgrade|Connection \$portico_connection);$"#,
            #"^            (set \$portico_upstream NAME:\d{1,5}|error_page 418 = @portico_proxy(_[0-9a-f]{8}(_\d+)?)?|return (404|418|503));$"#,
            #"^            location (= /(_|(\*\.)?NAME)PATH|~ \^[-A-Za-z0-9/._~!*+,:@=&\\|()?<>$^]+) \{$"#,
            #"^ {12}( {4})?return 302 "\$scheme://\$http_host/[A-Za-z0-9/._~!*+,:@=&-]+";$"#,
            #"^ {12}( {4})?return 30[0-8] "https?://[A-Za-z0-9\-._~:/?#\[\]@!&'()*+,=%]+";$"#,
            #"^                (client_max_body_size \d+[kmg]?|set \$portico_upstream (NAME:\d{1,5}|\$portico_route_upstream)|error_page 418 = @portico_proxy(_[0-9a-f]{8}(_\d+)?)?|return (404|418|503));$"#,
            // HTTPS (on by default): TLS settings, the certificate maps, redirects and HSTS.
            #"^    ssl_(protocols TLSv1\.2 TLSv1\.3|ciphers [A-Z0-9:-]+|prefer_server_ciphers off|session_cache shared:PorticoTLS:10m|session_timeout 1d|session_ticket_key tls/ticket\.key);$"#,
            #"^    map (\$ssl_server_name \$portico_(cert_exact|sni_parent)|\$portico_sni_parent \$portico_cert_wildcard|\$portico_cert_exact \$portico_cert|"\$scheme:\$request_uri" \$portico_to_https|\$host \$portico_https_url(_preserved)?|\$request_uri \$portico_https_path|\$scheme \$portico_hsts) \{$"#,
            #"^        ("" \$portico_cert_wildcard|default (\$portico_cert_exact|tls/default\.pem|tls/[0-9a-f]{32}\.pem|0|\$request_uri|"https://\$host(:\d{1,5})?\$(request_uri|portico_https_path)"));$"#,
            #"^        "~\^\(\.\*\)/\$" \$1;$"#,
            #"^        (\*\.)?NAME tls/[0-9a-f]{32}\.pem;$"#,
            #"^        "~\^(\.\+|\[\^\.\]\+)\\\\\.[a-z0-9\\.-]+\$" tls/[0-9a-f]{32}\.pem;$"#,
            #"^        ("~\^http:/\\\.well-known/acme-challenge/" 0|"~\^http:" 1|https "max-age=\d+(; includeSubDomains)?(; preload)?");$"#,
            #"^        listen ((\d{1,3}\.){3}\d{1,3}:|\[[0-9a-f:.]+\]:)?\d+ ssl http2 default_server;$"#,
            #"^        ssl_certificate(_key)? \$portico_cert;$"#,
            #"^ {12}( {4})?(if \(\$portico_to_https\) \{|add_header Strict-Transport-Security \$portico_hsts always;)$"#,
            #"^ {16}( {4})?return 308 \$portico_https_url(_preserved)?;$"#,
            // enable-cors: the maps reading a policy, the preflight map, the headers, a route's policy.
            #"^    map \$portico_cors \$portico_cors_(origin|credentials|methods|headers|expose|max_age) \{$"#,
            #"^        "~\^(\\\*|=)\\\|" ("\*"|\$http_origin);$"#, #"^        "~\^\[\*=\]\\\|true\\\|" "true";$"#,
            #"^        "~\^\[\*=\]\\\|(\[\^\|\]\*\\\|){1,4}\((\[\^\|\]\*\)\\\||\[0-9\]\+\)\$)" \$1;$"#,
            #"^    map "\$request_method:\$portico_cors" \$portico_cors_preflight \{$"#, #"^        "~\^OPTIONS:\." 1;$"#,
            #"^ {12}( {4})?add_header Access-Control-(Allow-Origin|Allow-Credentials|Allow-Methods|Allow-Headers|Expose-Headers|Max-Age) \$portico_cors_[a-z_]+ always;$"#,
            #"^ {16}if \(\$http_origin ~\* "\^\(\?:[ -~]+\)\$" \) \{$"#,
            #"^ {16}( {4})?set \$portico_cors "[*=]\|(true)?(\|[A-Za-z0-9_*, -]*){3}\|[0-9]+";$"#,
            #"^ {12}if \(\$portico_cors_preflight\) \{$"#, #"^ {16}return 204;$"#,
            // Rate limits: a zone per rate, the geos that exempt addresses, the limits, the route's key.
            #"^    (limit_conn_zone \$portico_limit_key zone=portico_conn:10m|limit_req_zone \$portico_limit_key zone=portico_rp([sm])_(\d+):10m rate=\3r/\2);$"#,
            #"^    geo \$portico_limit_exempt_[0-9a-f]{16} \{$"#,
            #"^        (default 0|[0-9a-f.:]+/\d{1,3} 1);$"#,
            #"^            (limit_conn portico_conn \d+|limit_req zone=portico_rp[sm]_\d+( burst=\d+)? nodelay|limit_rate(_after)? \d+k);$"#,
            #"^ {16}set \$portico_limit_key "[0-9a-f]{16}:\$binary_remote_addr";$"#,
            #"^ {16}if \(\$portico_limit_exempt_[0-9a-f]{16}\) \{$"#, #"^ {20}set \$portico_limit_key "";$"#,
            // auth-type basic and auth-url: in the named locations, the routes' values, the auth
            // location, the sign-in redirect and the maps that escape its rd=.
            #"^            (auth_basic \$portico_auth_realm|auth_basic_user_file \$portico_auth_file|auth_request //portico-auth|error_page 401 = @portico_auth_signin);$"#,
            #"^            auth_request_set (\$portico_auth_cookie \$upstream_http_set_cookie|\$portico_auth_header_\d+ \$upstream_http_[a-z0-9_]+);$"#,
            #"^            add_header Set-Cookie \$portico_auth_cookie( always)?;$"#,
            #"^            proxy_set_header (Authorization ""|[A-Za-z0-9_-]+ \$portico_auth_header_\d+);$"#,
            #"^ {16}set \$portico_auth_(realm "[A-Za-z0-9 ._~:/-]*"|file auth/[0-9a-f]{32}\.htpasswd|url "https?://[A-Za-z0-9._~/:,?&=-]+"|host "[a-z0-9.-]+"|method [A-Z$_a-z]+|original_uri (""|\$request_uri)|scheme (""|\$scheme)|redirect (\$request_uri|"[A-Za-z0-9._~/:,?&=-]+")|signin "https?://[A-Za-z0-9._~/:,?&=$_-]+");$"#,
            #"^ {16}recursive_error_pages on;$"#,
            #"^        rewrite \^\(\?!//portico-auth\$\) /\$portico_vhost\$uri break;$"#,
            #"^        location (= //portico-auth|@portico_auth_signin) \{$"#,
            #"^            (internal|access_log off|proxy_pass_request_body off|proxy_method \$portico_auth_method|proxy_ssl_server_name on|proxy_pass \$portico_auth_url|return 302 \$portico_auth_signin);$"#,
            #"^            proxy_set_header (Content-Length ""|X-Forwarded-Proto ""|Host \$portico_auth_host|X-Original-URI \$portico_auth_original_uri|X-Scheme \$portico_auth_scheme|X-Original-URL \$scheme://\$http_host\$request_uri|X-Original-Method \$request_method|X-Sent-From "nginx-ingress-controller"|X-Real-IP \$remote_addr|X-Forwarded-For \$remote_addr|X-Auth-Request-Redirect \$portico_auth_redirect);$"#,
            #"^    variables_hash_max_size 2048;$"#,
            #"^    map \$(request_uri|portico_rd_rest_\d) \$portico_(rd_(done|rest)_\d|escaped_request_uri) \{$"#,
            #"^        ("~\^\(\[\^%&\+;\]\*\)(%|&|\\\+|;)" "\$1%(25|26|2B|3B)"|"~\^\[\^%&\+;\]\*\[%&\+;\]\(\.\*\)\$" \$1|default (\$request_uri|\$portico_rd_rest_\d|""|"(\$portico_rd_done_\d)+\$portico_rd_rest_\d"));$"#,
            // custom-http-errors and default-backend: the request id map, the named locations' error
            // pages, the error locations and what a route sets for them.
            #"^    map \$http_x_request_id \$portico_request_id \{$"#, #"^        ("" \$request_id|default \$http_x_request_id);$"#,
            #"^            (proxy_intercept_errors on|error_page [45]\d\d( [45]\d\d)* = @portico_(error_([45]\d\d|none)|default_backend));$"#,
            #"^        location @portico_(error_([45]\d\d|none)|default_backend) \{$"#,
            #"^            proxy_set_header (X-Code \d{3}|X-Format \$http_accept|X-Original-URI \$request_uri|X-(Namespace|Ingress-Name|Service-Name|Service-Port) \$portico_error_(namespace|ingress|service|port)|X-Request-ID \$portico_request_id|X-Forwarded-For \$remote_addr|Host \$portico_host);$"#,
            #"^            (rewrite \^ / break|proxy_pass http://\$portico_error_backend(\$request_uri)?);$"#,
            #"^ {16}set \$portico_error_(backend "NAME:\d{1,5}"|(namespace|ingress|service) "NAME"|port "[a-z0-9-]+");$"#,
            #"^ {16}error_page 503 = @portico_default_backend;$"#,
            // from-to-www-redirect: the map that drops a slash and the redirected name's location.
            #"^    map \$request_uri \$portico_www_path \{$"#, #"^        (default \$request_uri|"~\^\(\.\*\)/\$" \$1);$"#,
            #"^            return 308 "\$scheme://NAME:\$server_port\$portico_www_path";$"#,
            // Canaries: the header, cookie, weight and choice maps, and routes that set a choice.
            #"^    variables_hash_max_size \d+;$"#,
            #"^    map \$(http|cookie)_[a-z0-9_]+ \$portico_canary_[hc]_[0-9a-f]{8}(_\d+)? \{$"#,
            #"^    split_clients \$request_id \$portico_canary_w_\d+ \{$"#,
            #"^    map ("?)(\$portico_canary_[hcw]_[0-9a-f_]+){1,3}\1 \$portico_canary_[0-9a-f]{8}(_\d+)? \{$"#,
            #"^        (default ""|"~\^always\$" canary|"~\^never\$" main|default main|"" ""|"~[ -~]+" canary);$"#,
            #"^        (\d{1,2}(\.\d{1,2})?% canary|\* main);$"#,
            #"^        (default|"~\^canary"|"~\^main") NAME:\d{1,5};$"#,
            #"^        "/(_|(\*\.)?NAME)PATH" \$portico_canary_[0-9a-f]{8}(_\d+)?;$"#,
            #"^ {12}( {4})?set \$portico_upstream \$portico_canary_[0-9a-f]{8}(_\d+)?;$"#,
            // TCP and UDP services: the module, the stream block, its servers and balanced groups.
            #"^load_module /[A-Za-z0-9/._-]+;$"#, #"^stream \{$"#,
            #"^    (proxy_connect_timeout 5s;|upstream portico_stream_(tcp|udp)_\d{1,5} \{)$"#,
            #"^        server ([0-9.]+|\[[0-9a-f:]+\]):\d{1,5}( weight=\d+)? max_fails=3 fail_timeout=10s;$"#,
            #"^        listen ((\d{1,3}\.){3}\d{1,3}:|\[[0-9a-f:.]+\]:)?\d+( udp| proxy_protocol)?;$"#,
            #"^        (proxy_timeout (600s|10s)|proxy_responses 1|proxy_half_close on|proxy_protocol on|set_real_ip_from (0\.0\.0\.0|::)/0|proxy_pass (\$portico_stream_upstream|portico_stream_(tcp|udp)_\d{1,5}));$"#,
            #"^        set \$portico_stream_upstream NAME:\d{1,5};$"#,
            // TLS passthrough: Portico's HTTPS behind the stream listener, the client's address from
            // its PROXY header, the 421; the SNI maps, the listener and the relay.
            #"^        listen 127\.0\.0\.1:\d+ proxy_protocol ssl http2( default_server)?;$"#,
            #"^    (set_real_ip_from 127\.0\.0\.1|real_ip_header proxy_protocol);$"#,
            #"^    map "\$scheme:\$host" \$portico_passthrough_misdirected \{$"#,
            #"^        "https:NAME" 1;$"#,
            #"^        if \(\$portico_passthrough_misdirected\) \{$"#, #"^            return 421;$"#,
            #"^    map (\$ssl_preread_server_name \$portico_passthrough_upstream|\$portico_passthrough_upstream \$portico_passthrough_next) \{$"#,
            #"^        (NAME NAME:\d{1,5}|"" 127\.0\.0\.1:\d{1,5}|default 127\.0\.0\.1:\d{1,5}|default "");$"#,
            #"^        (ssl_preread on|proxy_pass \$portico_passthrough_(next|upstream));$"#,
            // Client certificates: a host's own server, its headers, the main server's 403 for it.
            #"^        listen ((\d{1,3}\.){3}\d{1,3}:|\[[0-9a-f:.]+\]:)?\d+ ssl http2;$"#,
            #"^        (server_name NAME( NAME)*|ssl_client_certificate auth/[0-9a-f]{32}\.ca\.pem|ssl_verify_client (on|off|optional|optional_no_ca)|ssl_verify_depth \d{1,2});$"#,
            #"^        error_page 495 496 = "https?://[A-Za-z0-9\-._~:/?#\[\]@!&'()*+,=%]+";$"#,
            #"^        proxy_set_header (Host \$portico_host|X-Forwarded-For \$proxy_add_x_forwarded_for|X-Forwarded-Proto \$scheme|X-Forwarded-Host \$portico_host|X-Real-IP \$remote_addr|Upgrade \$http_upgrade|Connection \$portico_connection);$"#,
            #"^ {8}( {4})?(proxy|grpc)_set_header ssl-client-(verify \$ssl_client_verify|subject-dn \$ssl_client_s_dn|issuer-dn \$ssl_client_i_dn|cert \$ssl_client_escaped_cert);$"#,
            #"^            return 403;$"#,
            // HTTPRoutes: wildcard hosts, weighted backends, added headers, each host's candidates
            // and each rule's named location (quoted values hold no bare quote or `$`).
            #"^        "~\^(\.\+|\[\^\.\]\+)\\\\\.[a-z0-9\\.-]+\$" (\$scheme:)?\*\.NAME;$"#,
            #"^    geo \$portico_dollar \{$"#, #"^        default "\$";$"#,
            #"^    split_clients \$request_id \$portico_gw_split_[0-9a-f]{8}(_\d+)? \{$"#,
            #"^        (\d{1,3}\.\d\d%|\*) "(NAME:\d{1,5})?";$"#,
            #"^    map \$http_[a-z0-9_]+ \$portico_gw_[0-9a-f]{8}(_\d+)?_add_\d+ \{$"#,
            #"^        "" \$portico_gw_v\d+;$"#,
            #"^        default "\$http_[a-z0-9_]+,\$portico_gw_v\d+";$"#,
            #"^        location "/(_|(https?:)?(\*\.)?NAME)/" \{$"#,
            #"^            location = "/(_|(https?:)?(\*\.)?NAME)/[A-Za-z0-9/._~!&'()*+,=:@-]*" \{$"#,
            #"^            location ~ "\^/(_|(https?:)?(\\\*\\\.)?[a-z0-9\\.-]+)([-A-Za-z0-9/_~!&',=:@]|\\\\[.()*+])+\(\?:/\|\$\)" \{$"#,
            #"^            location ~ "\^/(_|(https?:)?(\\\*\\\.)?[a-z0-9\\.-]+)\(\?:/[-A-Za-z0-9/._~:^$\[\](){}*+?|&=\\]*\)\$" \{$"#,
            #"^ {12}( {4})?set \$portico_gw_match [01];$"#,
            #"^ {12}( {4})?( {4})?set \$portico_gw_match 0;$"#,
            #"^ {12}( {4})?if \((\$scheme !?= https?|\$request_method !?= [A-Z]+|\$http_[a-z0-9_]+ !?~ "([^"\\]|\\.)*" |\$args !?~ "([^"\\]|\\.)*" |\$portico_gw_match)\) \{$"#,
            #"^ {12}( {4})?( {4})?set \$portico_gw_v\d+ "([^"\\$]|\\.|\$\{portico_dollar\})*";$"#,
            #"^ {12}( {4})?( {4})?set \$portico_upstream ("(NAME:\d{1,5})?"|\$portico_gw_split_[0-9a-f]{8}(_\d+)?);$"#,
            #"^ {12}( {4})?( {4})?(error_page 418 = @portico_gw_[0-9a-f]{8}(_\d+)?|return (404|418|500));$"#,
            #"^        location @portico_gw_[0-9a-f]{8}(_\d+)? \{$"#,
            #"^            if \(\$portico_upstream = "" \) \{$"#,
            #"^            proxy_set_header [A-Za-z0-9-]+ (""|\$portico_gw_v\d+|\$portico_gw_[0-9a-f]{8}(_\d+)?_add_\d+);$"#,
            #"^            proxy_hide_header [A-Za-z0-9-]+;$"#,
            #"^            add_header [A-Za-z0-9-]+ \$portico_gw_v\d+ always;$"#,
            #"^            rewrite ("\^/\[\^/\]\+[A-Za-z0-9/._~!&'()*+,=:@\\-]*\(/\.[*+]\)\$"|\^) "[A-Za-z0-9/._~!&'()*+,=:@-]*(\$1)?" break;$"#,
            #"^            return 30[1-8] "(https?|\$scheme)://(NAME|\$host)(:\d{1,5}|\$portico_gw_port)?(\$request_uri|[A-Za-z0-9/._~!&'()*+,=:@-]*\$is_args\$args|\$portico_gw_path\$is_args\$args)";$"#,
            #"^            (if \(\$scheme = https\)|if \(\$uri ~ "\^/\[\^/\]\+[A-Za-z0-9/._~!&'()*+,=:@\\-]*\(/\.[*+]\)\$" \)) \{$"#,
            #"^            ( {4})?set \$portico_gw_(port "(:\d{1,5})?"|path "[A-Za-z0-9/._~!&'()*+,=:@-]*(\$1)?");$"#,

        ].map { $0.replacingOccurrences(of: "NAME", with: name).replacingOccurrences(of: "PATH", with: path) }
        return patterns.map { p in
            do { return try PCRE(p) } catch { fatalError("bad test pattern: \(error)") }
        }
    }()

    /// Lines that no allowed pattern matches.
    static func unexpectedLines(_ config: String) -> [String] {
        config.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { line in
            !allowed.contains { $0.matches(line) }
        }
    }

    /// Host key (`_` for the catch-all) → the arguments of the locations nested in its
    /// `location /KEY/`, parsed from the text with PCRE.
    static func routes(_ config: String) throws -> [String: [String]] {
        let host = try PCRE(#"\n        location /([^/ ]+)/ \{\n((?:(?!\n        \})[\s\S])*)"#)
        let location = try PCRE(#"^            location ([^{]*) \{$"#, multiline: true)
        var result: [String: [String]] = [:]
        for m in host.allMatches(config) {
            result[m[1]] = location.allMatches(m[2]).map { $0[1] }
        }
        return result
    }
}

import Foundation
