#include "ccurl.h"

#include <dlfcn.h>
#include <stdio.h>

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_perform)(CURLM *, int *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd[], unsigned int, int, int *);
    CURLMcode (*multi_wakeup)(CURLM *);
    CURLMcode (*multi_cleanup)(CURLM *);
    curl_version_info_data *(*version_info)(CURLversion);
} api;

int replstat_curl_load(char *error, size_t size) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(error, size, "cannot load libcurl (install libcurl4): %s", dlerror());
        return 0;
    }
#define RESOLVE(field, name)                                                                 \
    if (!(*(void **)&api.field = dlsym(library, name))) {                                    \
        snprintf(error, size, "libcurl.so.4 lacks %s: capture needs libcurl 7.85 or later", name); \
        return 0;                                                                            \
    }
    RESOLVE(global_init, "curl_global_init")
    RESOLVE(easy_init, "curl_easy_init")
    RESOLVE(easy_cleanup, "curl_easy_cleanup")
    RESOLVE(easy_strerror, "curl_easy_strerror")
    RESOLVE(easy_setopt, "curl_easy_setopt")
    RESOLVE(easy_getinfo, "curl_easy_getinfo")
    RESOLVE(slist_append, "curl_slist_append")
    RESOLVE(slist_free_all, "curl_slist_free_all")
    RESOLVE(multi_init, "curl_multi_init")
    RESOLVE(multi_setopt, "curl_multi_setopt")
    RESOLVE(multi_add_handle, "curl_multi_add_handle")
    RESOLVE(multi_remove_handle, "curl_multi_remove_handle")
    RESOLVE(multi_perform, "curl_multi_perform")
    RESOLVE(multi_info_read, "curl_multi_info_read")
    RESOLVE(multi_poll, "curl_multi_poll")
    RESOLVE(multi_wakeup, "curl_multi_wakeup")
    RESOLVE(multi_cleanup, "curl_multi_cleanup")
    RESOLVE(version_info, "curl_version_info")
#undef RESOLVE
    // CURLOPT_PROTOCOLS_STR came with 7.85; an older libcurl would ignore it.
    curl_version_info_data *version = api.version_info(CURLVERSION_NOW);
    if (version->version_num < 0x075500) {
        snprintf(error, size, "libcurl %s is too old: capture needs libcurl 7.85 or later", version->version);
        return 0;
    }
    return 1;
}

CURLcode replstat_global_init(long flags) { return api.global_init(flags); }
CURL *replstat_easy_init(void) { return api.easy_init(); }
void replstat_easy_cleanup(CURL *easy) { api.easy_cleanup(easy); }
const char *replstat_easy_strerror(CURLcode code) { return api.easy_strerror(code); }

CURLcode replstat_easy_set_long(CURL *easy, CURLoption option, long value) {
    return api.easy_setopt(easy, option, value);
}

CURLcode replstat_easy_set_offset(CURL *easy, CURLoption option, curl_off_t value) {
    return api.easy_setopt(easy, option, value);
}

CURLcode replstat_easy_set_string(CURL *easy, CURLoption option, const char *value) {
    return api.easy_setopt(easy, option, value);
}

CURLcode replstat_easy_set_pointer(CURL *easy, CURLoption option, void *value) {
    return api.easy_setopt(easy, option, value);
}

CURLcode replstat_easy_set_headers(CURL *easy, struct curl_slist *headers) {
    return api.easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
}

CURLcode replstat_easy_set_write_function(CURL *easy, curl_write_callback callback) {
    return api.easy_setopt(easy, CURLOPT_WRITEFUNCTION, callback);
}

CURLcode replstat_easy_info_long(CURL *easy, CURLINFO info, long *value) {
    return api.easy_getinfo(easy, info, value);
}

struct curl_slist *replstat_slist_append(struct curl_slist *list, const char *text) {
    return api.slist_append(list, text);
}

void replstat_slist_free_all(struct curl_slist *list) { api.slist_free_all(list); }
CURLM *replstat_multi_init(void) { return api.multi_init(); }

CURLMcode replstat_multi_set_long(CURLM *multi, CURLMoption option, long value) {
    return api.multi_setopt(multi, option, value);
}

CURLMcode replstat_multi_add_handle(CURLM *multi, CURL *easy) { return api.multi_add_handle(multi, easy); }
CURLMcode replstat_multi_remove_handle(CURLM *multi, CURL *easy) { return api.multi_remove_handle(multi, easy); }
CURLMcode replstat_multi_perform(CURLM *multi, int *running) { return api.multi_perform(multi, running); }
CURLMsg *replstat_multi_info_read(CURLM *multi, int *left) { return api.multi_info_read(multi, left); }

CURLMcode replstat_multi_poll(CURLM *multi, int timeout_ms) {
    return api.multi_poll(multi, NULL, 0, timeout_ms, NULL);
}

CURLMcode replstat_multi_wakeup(CURLM *multi) { return api.multi_wakeup(multi); }
CURLMcode replstat_multi_cleanup(CURLM *multi) { return api.multi_cleanup(multi); }
