#ifndef REPLSTAT_CCURL_H
#define REPLSTAT_CCURL_H
#include <curl/curl.h>

/// libcurl, loaded when a capture starts rather than linked: with its ~30 libraries (OpenSSL,
/// GnuTLS, Kerberos, LDAP, ...) linked in, every command, `analyze` too, started 6 ms slower.
///
/// Loads libcurl.so.4 and resolves the functions below; on failure writes why into `error`
/// and returns 0. Call once, before any other function here.
int replstat_curl_load(char *error, size_t size);

/// libcurl's functions, through the loaded library. `curl_easy_setopt`, `curl_multi_setopt` and
/// `curl_easy_getinfo` are variadic, which Swift cannot call: one typed wrapper per kind of argument.
CURLcode replstat_global_init(long flags);
CURL *replstat_easy_init(void);
void replstat_easy_cleanup(CURL *easy);
const char *replstat_easy_strerror(CURLcode code);
CURLcode replstat_easy_set_long(CURL *easy, CURLoption option, long value);
CURLcode replstat_easy_set_offset(CURL *easy, CURLoption option, curl_off_t value);
CURLcode replstat_easy_set_string(CURL *easy, CURLoption option, const char *value);
CURLcode replstat_easy_set_pointer(CURL *easy, CURLoption option, void *value);
CURLcode replstat_easy_set_headers(CURL *easy, struct curl_slist *headers);
CURLcode replstat_easy_set_write_function(CURL *easy, curl_write_callback callback);
CURLcode replstat_easy_info_long(CURL *easy, CURLINFO info, long *value);
struct curl_slist *replstat_slist_append(struct curl_slist *list, const char *text);
void replstat_slist_free_all(struct curl_slist *list);
CURLM *replstat_multi_init(void);
CURLMcode replstat_multi_set_long(CURLM *multi, CURLMoption option, long value);
CURLMcode replstat_multi_add_handle(CURLM *multi, CURL *easy);
CURLMcode replstat_multi_remove_handle(CURLM *multi, CURL *easy);
CURLMcode replstat_multi_perform(CURLM *multi, int *running);
CURLMsg *replstat_multi_info_read(CURLM *multi, int *left);
CURLMcode replstat_multi_poll(CURLM *multi, int timeout_ms);
CURLMcode replstat_multi_wakeup(CURLM *multi);
CURLMcode replstat_multi_cleanup(CURLM *multi);

/// The outcome of a finished transfer: a member of a union in `CURLMsg`.
static inline CURLcode replstat_message_result(const CURLMsg *message) {
    return message->data.result;
}
#endif
