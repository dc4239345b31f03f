#include <pcre.h>
