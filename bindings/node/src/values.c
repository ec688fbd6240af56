/* JavaScript values <-> C: failure reporting, strings, numbers, times, statuses. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"

#define SCRATCH_KEEP (1u << 20) /* a scratch buffer above this is released after the call */

/* ---------------------------------------------------------------------------
 * Failure reporting inside the addon (programming errors of lib/, not SDK
 * errors): throw a JavaScript error and return NULL.
 * ------------------------------------------------------------------------ */

napi_value throw_last_error(napi_env env, const char *what) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    const napi_extended_error_info *info = NULL;
    napi_get_last_error_info(env, &info);
    char msg[256];
    snprintf(msg, sizeof msg, "sigil-sdk native: %s failed: %s", what,
             info != NULL && info->error_message != NULL ? info->error_message : "unknown error");
    napi_throw_error(env, NULL, msg);
  }
  return NULL;
}

napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

/* ---------------------------------------------------------------------------
 * Scratch buffer: the strings of one call, NUL-terminated, addressed by
 * offset while the buffer may still grow, turned into pointers at the end.
 * ------------------------------------------------------------------------ */

static _Thread_local scratch_t t_scratch;

scratch_t *scratch_begin(void) {
  t_scratch.len = 0;
  return &t_scratch;
}

void scratch_end(void) {
  if (t_scratch.cap > SCRATCH_KEEP) {
    free(t_scratch.buf);
    t_scratch.buf = NULL;
    t_scratch.cap = 0;
  }
  t_scratch.len = 0;
}

/* JavaScript called from inside a call (the resolver, the sanitizer) may call
 * the addon again; it must not touch the strings the outer call has lent to
 * the engine, so it gets a scratch buffer of its own meanwhile. */
scratch_t scratch_set_aside(void) {
  scratch_t outer = t_scratch;
  t_scratch.buf = NULL;
  t_scratch.len = t_scratch.cap = 0;
  return outer;
}

void scratch_restore(scratch_t outer) {
  free(t_scratch.buf);
  t_scratch = outer;
}

int scratch_reserve(scratch_t *s, size_t extra) {
  if (s->len + extra <= s->cap) return 1;
  size_t cap = s->cap ? s->cap : 4096;
  while (cap < s->len + extra) cap *= 2;
  char *b = (char *)realloc(s->buf, cap);
  if (b == NULL) return 0;
  s->buf = b;
  s->cap = cap;
  return 1;
}

/* UTF-16 -> UTF-8, keeping unpaired surrogates as their 3-byte encoding. */
static size_t wtf8_encode(const char16_t *in, size_t n, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t c = in[i];
    if (c < 0x80) {
      out[o++] = (char)c;
    } else if (c < 0x800) {
      out[o++] = (char)(0xC0 | (c >> 6));
      out[o++] = (char)(0x80 | (c & 0x3F));
    } else if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && in[i + 1] >= 0xDC00 && in[i + 1] <= 0xDFFF) {
      uint32_t cp = 0x10000 + ((c - 0xD800) << 10) + (in[i + 1] - 0xDC00u);
      ++i;
      out[o++] = (char)(0xF0 | (cp >> 18));
      out[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
      out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
      out[o++] = (char)(0x80 | (cp & 0x3F));
    } else {
      out[o++] = (char)(0xE0 | (c >> 12));
      out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
      out[o++] = (char)(0x80 | (c & 0x3F));
    }
  }
  return o;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* JSON.stringify writes a lone surrogate as an escape ("\ud800"); every other
 * binding hands the engine such a string as its raw 3-byte form (the JSON text
 * is not valid UTF-8 then), and the engine reports both as invalid UTF-8 but
 * words them differently. Turn those escapes back into raw bytes, in place, so
 * that the engine sees what it sees from C. JSON.stringify never escapes a
 * valid pair, so every surrogate escape it writes is a lone one. */
static size_t unescape_lone_surrogates(char *p, size_t n) {
  char *first = (char *)memchr(p, '\\', n);
  if (first == NULL) return n;
  size_t r = (size_t)(first - p), w = r;
  while (r < n) {
    char c = p[r];
    if (c != '\\' || r + 1 >= n) {
      p[w++] = p[r++];
      continue;
    }
    if (p[r + 1] == 'u' && r + 5 < n) {
      int h0 = hexval(p[r + 2]), h1 = hexval(p[r + 3]), h2 = hexval(p[r + 4]), h3 = hexval(p[r + 5]);
      if (h0 >= 0 && h1 >= 0 && h2 >= 0 && h3 >= 0) {
        uint32_t u = (uint32_t)(h0 << 12 | h1 << 8 | h2 << 4 | h3);
        if (u >= 0xD800 && u <= 0xDFFF) {
          p[w++] = (char)(0xE0 | (u >> 12));
          p[w++] = (char)(0x80 | ((u >> 6) & 0x3F));
          p[w++] = (char)(0x80 | (u & 0x3F));
          r += 6;
          continue;
        }
      }
    }
    p[w++] = p[r++]; /* any other escape, copied whole: an escaped backslash ends here */
    p[w++] = p[r++];
  }
  return w;
}

/* Whether UTF-8 text holds U+FFFD (EF BF BD). */
static int has_replacement_char(const char *p, size_t n) {
  const char *end = p + n;
  while (n >= 3) {
    const char *hit = (const char *)memchr(p, 0xEF, n - 2);
    if (hit == NULL) return 0;
    if ((unsigned char)hit[1] == 0xBF && (unsigned char)hit[2] == 0xBD) return 1;
    p = hit + 1;
    n = (size_t)(end - p);
  }
  return 0;
}

/* Appends `v` (a string; other non-nullish values are converted with
 * String(v)) to the scratch buffer. undefined/null give SREF_UNSET. */
napi_status put_string(napi_env env, napi_value v, scratch_t *s, sref_t *out) {
  *out = SREF_UNSET;
  napi_valuetype t;
  napi_status st = napi_typeof(env, v, &t);
  if (st != napi_ok) return st;
  if (t == napi_undefined || t == napi_null) return napi_ok;
  if (t != napi_string) {
    st = napi_coerce_to_string(env, v, &v);
    if (st != napi_ok) return st;
  }
  size_t n16 = 0;
  st = napi_get_value_string_utf16(env, v, NULL, 0, &n16);
  if (st != napi_ok) return st;
  if (!scratch_reserve(s, 3 * n16 + 1)) return napi_generic_failure;
  char *dst = s->buf + s->len;
  size_t n8 = 0;
  st = napi_get_value_string_utf8(env, v, dst, 3 * n16 + 1, &n8);
  if (st != napi_ok) return st;
  /* Node replaces a lone surrogate with U+FFFD (EF BF BD). Only when that
   * sequence shows up, re-encode from UTF-16 to tell the two apart. */
  if (has_replacement_char(dst, n8)) {
    char16_t *u = (char16_t *)malloc((n16 + 1) * sizeof(char16_t));
    if (u == NULL) return napi_generic_failure;
    size_t got = 0;
    st = napi_get_value_string_utf16(env, v, u, n16 + 1, &got);
    if (st == napi_ok) n8 = wtf8_encode(u, got, dst);
    free(u);
    if (st != napi_ok) return st;
  }
  dst[n8] = '\0';
  out->off = (ptrdiff_t)s->len;
  out->len = n8;
  s->len += n8 + 1;
  return napi_ok;
}

/* As put_string, for JSON text from JSON.stringify (see unescape_lone_surrogates). */
napi_status put_json(napi_env env, napi_value v, scratch_t *s, sref_t *out) {
  napi_status st = put_string(env, v, s, out);
  if (st != napi_ok || out->off < 0) return st;
  char *p = s->buf + out->off;
  size_t n = unescape_lone_surrogates(p, out->len);
  p[n] = '\0';
  out->len = n;
  return napi_ok;
}

/* Writes UTF-8 `in` as the contents of a JSON string (no quotes): the
 * escapes JSON requires, everything else (including invalid UTF-8, which the
 * engine reports) as is. `out` has room for 6 * n bytes. Runs of 8 bytes that
 * need no escape are copied as words. */
static size_t json_escape(const char *in, size_t n, char *out) {
  static const char hex[] = "0123456789abcdef";
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  size_t i = 0, o = 0;
  while (i < n) {
    while (i + 8 <= n) {
      uint64_t w;
      memcpy(&w, in + i, 8);
      uint64_t ctl = (w - ones * 0x20) & ~w;        /* a byte < 0x20 */
      uint64_t quote = (w ^ (ones * '"')) - ones;   /* a '"' */
      uint64_t bslash = (w ^ (ones * '\\')) - ones; /* a backslash */
      quote &= ~(w ^ (ones * '"'));
      bslash &= ~(w ^ (ones * '\\'));
      if (((ctl | quote | bslash) & highs) != 0) break;
      memcpy(out + o, in + i, 8);
      i += 8;
      o += 8;
    }
    size_t stop = i + 8 < n ? i + 8 : n;
    for (; i < stop; ++i) {
      unsigned char c = (unsigned char)in[i];
      if (c >= 0x20 && c != '"' && c != '\\') {
        out[o++] = (char)c;
        continue;
      }
      out[o++] = '\\';
      switch (c) {
        case '"':
          out[o++] = '"';
          break;
        case '\\':
          out[o++] = '\\';
          break;
        case '\n':
          out[o++] = 'n';
          break;
        case '\r':
          out[o++] = 'r';
          break;
        case '\t':
          out[o++] = 't';
          break;
        case '\b':
          out[o++] = 'b';
          break;
        case '\f':
          out[o++] = 'f';
          break;
        default:
          out[o++] = 'u';
          out[o++] = '0';
          out[o++] = '0';
          out[o++] = hex[c >> 4];
          out[o++] = hex[c & 15];
      }
    }
  }
  return o;
}

/* A document from lib/encode.js: argv[0] is JSON text in which each raw
 * U+0001 stands for the next of the strings argv[1..argc-1], which are
 * written into it here as escaped JSON strings. */
napi_status put_document(napi_env env, napi_value *argv, size_t argc, scratch_t *s, sref_t *out) {
  napi_status st = put_json(env, argv[0], s, out);
  if (st != napi_ok || argc <= 1 || out->off < 0) return st;
  sref_t long_refs[MAX_LONG];
  size_t n_long = argc - 1 > MAX_LONG ? MAX_LONG : argc - 1;
  size_t need = out->len + 1;
  for (size_t i = 0; i < n_long; ++i) {
    st = put_string(env, argv[1 + i], s, &long_refs[i]);
    if (st != napi_ok) return st;
    need += 6 * long_refs[i].len + 2;
  }
  if (!scratch_reserve(s, need)) return napi_generic_failure;
  const char *sk = s->buf + out->off;
  char *dst = s->buf + s->len;
  size_t o = 0, next = 0, i = 0;
  while (i < out->len) {
    const char *slot = (const char *)memchr(sk + i, '\x01', out->len - i);
    size_t run = slot == NULL ? out->len - i : (size_t)(slot - (sk + i));
    memcpy(dst + o, sk + i, run);
    o += run;
    i += run;
    if (slot == NULL) break;
    ++i;
    if (next < n_long && long_refs[next].off >= 0) {
      dst[o++] = '"';
      o += json_escape(s->buf + long_refs[next].off, long_refs[next].len, dst + o);
      dst[o++] = '"';
    } else {
      memcpy(dst + o, "null", 4);
      o += 4;
    }
    ++next;
  }
  dst[o] = '\0';
  out->off = (ptrdiff_t)s->len;
  out->len = o;
  s->len += o + 1;
  return napi_ok;
}

const char *sptr(const scratch_t *s, sref_t r) { return r.off < 0 ? NULL : s->buf + r.off; }

/* ---------------------------------------------------------------------------
 * Small value helpers
 * ------------------------------------------------------------------------ */

int is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 1;
  return t == napi_undefined || t == napi_null;
}

/* An optional number: 1 and *out when it is a number, else 0. */
int opt_double(napi_env env, napi_value v, double *out) { return napi_get_value_double(env, v, out) == napi_ok; }

int opt_int64(napi_env env, napi_value v, int64_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (t == napi_number) return napi_get_value_int64(env, v, out) == napi_ok;
  if (t == napi_bigint) {
    bool lossless;
    return napi_get_value_bigint_int64(env, v, out, &lossless) == napi_ok;
  }
  return 0;
}

int opt_bool(napi_env env, napi_value v, int *out) {
  bool b;
  if (napi_get_value_bool(env, v, &b) != napi_ok) return 0;
  *out = b ? 1 : 0;
  return 1;
}

/* A time: milliseconds since the epoch (number, may be fractional) or
 * nanoseconds (bigint). 0 when unset. Beyond int64 nanoseconds (1678 to
 * 2262) the nearest end of that range, as the other bindings. */
int64_t time_ns(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (t == napi_number) {
    double ms;
    if (napi_get_value_double(env, v, &ms) != napi_ok || !(ms == ms) || ms == 0) return 0;
    if (ms >= 9223372036854.0) return INT64_MAX;
    if (ms <= -9223372036854.0) return -INT64_MAX;
    int64_t whole = (int64_t)ms; /* toward zero; the fraction keeps its sign */
    double frac_ns = (ms - (double)whole) * 1e6;
    return whole * 1000000 + (int64_t)(frac_ns < 0 ? frac_ns - 0.5 : frac_ns + 0.5);
  }
  if (t == napi_bigint) {
    int64_t ns = 0;
    bool lossless;
    if (napi_get_value_bigint_int64(env, v, &ns, &lossless) != napi_ok) return 0;
    return ns;
  }
  return 0;
}

napi_value make_int(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

napi_value make_string(napi_env env, const char *s, size_t len) {
  napi_value out;
  if (napi_create_string_utf8(env, s != NULL ? s : "", s != NULL ? len : 0, &out) != napi_ok) return NULL;
  return out;
}

napi_value make_cstring(napi_env env, const char *s) { return make_string(env, s, s != NULL ? strlen(s) : 0); }

void set_named(napi_env env, napi_value obj, const char *key, napi_value v) {
  if (v != NULL) napi_set_named_property(env, obj, key, v);
}

/* OK gives the number 0; a failure gives [status, message] and frees `err`. */
napi_value status_value(napi_env env, sigil_status_t st, sigil_error_t *err) {
  if (st == SIGIL_OK) {
    sigil_error_free(err);
    return make_int(env, 0);
  }
  napi_value arr;
  napi_create_array_with_length(env, 2, &arr);
  napi_set_element(env, arr, 0, make_int(env, st));
  napi_set_element(env, arr, 1, make_cstring(env, err != NULL ? sigil_error_message(err) : sigil_status_name(st)));
  sigil_error_free(err);
  return arr;
}

napi_status get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  napi_value undef;
  napi_status st = napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (st != napi_ok) return st;
  if (argc < want) {
    napi_get_undefined(env, &undef);
    for (size_t i = argc; i < want; ++i) argv[i] = undef;
  }
  return napi_ok;
}

void *external_ptr(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}
