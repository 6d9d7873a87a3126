#ifndef REPLSTAT_CCURL_SHIM_H
#define REPLSTAT_CCURL_SHIM_H
#include <curl/curl.h>

/// `curl_easy_setopt`, `curl_multi_setopt` and `curl_easy_getinfo` are variadic, which Swift
/// cannot call: one typed wrapper per kind of argument.
static inline CURLcode replstat_easy_set_long(CURL *easy, CURLoption option, long value) {
    return curl_easy_setopt(easy, option, value);
}

static inline CURLcode replstat_easy_set_offset(CURL *easy, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(easy, option, value);
}

static inline CURLcode replstat_easy_set_string(CURL *easy, CURLoption option, const char *value) {
    return curl_easy_setopt(easy, option, value);
}

static inline CURLcode replstat_easy_set_pointer(CURL *easy, CURLoption option, void *value) {
    return curl_easy_setopt(easy, option, value);
}

static inline CURLcode replstat_easy_set_headers(CURL *easy, struct curl_slist *headers) {
    return curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
}

static inline CURLcode replstat_easy_set_write_function(CURL *easy, curl_write_callback callback) {
    return curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, callback);
}

static inline CURLMcode replstat_multi_set_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

static inline CURLcode replstat_easy_info_long(CURL *easy, CURLINFO info, long *value) {
    return curl_easy_getinfo(easy, info, value);
}

static inline CURLcode replstat_easy_info_pointer(CURL *easy, CURLINFO info, void **value) {
    return curl_easy_getinfo(easy, info, value);
}

/// The outcome of a finished transfer: a member of a union in `CURLMsg`.
static inline CURLcode replstat_message_result(const CURLMsg *message) {
    return message->data.result;
}
#endif
