#ifndef REPLSTAT_CISAL_SHIM_H
#define REPLSTAT_CISAL_SHIM_H
#include <stddef.h>
#include <stdint.h>
#include <isa-l/igzip_lib.h>

/// The bytes of an `inflate_state` that hold its state: all of it but the unused end of its
/// output buffer (`tmp_out_buffer` is last; bytes past `tmp_out_valid` are scratch).
static inline size_t replstat_isal_state_size(const struct inflate_state *state) {
    return offsetof(struct inflate_state, tmp_out_buffer) + (size_t)state->tmp_out_valid;
}

/// Output that `isal_inflate` decoded into the state's own buffer and has not handed out yet.
static inline const uint8_t *replstat_isal_pending(const struct inflate_state *state, size_t *count) {
    *count = (size_t)(state->tmp_out_valid - state->tmp_out_processed);
    return state->tmp_out_buffer + state->tmp_out_processed;
}
#endif
