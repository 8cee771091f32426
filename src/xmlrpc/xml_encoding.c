#include "xml_encoding.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "text.h"
#include "xmlrpc_internal.h"

/* ---------------------------------------------------------------------------------------
 * ISO-8859-1 to UTF-8, on a document the screen accepted (so every reference is well formed,
 * there is no DOCTYPE and no processing instruction past the declaration)
 * ------------------------------------------------------------------------------------- */

/* Where the output goes (xmlrpc_internal.h): only counted first, which sizes the second run. */
typedef xml_text writer;

static void put(writer *w, const void *p, size_t n) { custapi__xml_put(w, p, n); }

static void put_utf8(writer *w, uint32_t c) {
  unsigned char b[3];
  size_t n;
  if (c < 0x80) {
    b[0] = (unsigned char)c;
    n = 1;
  } else if (c < 0x800) {
    b[0] = (unsigned char)(0xC0 | (c >> 6));
    b[1] = (unsigned char)(0x80 | (c & 0x3F));
    n = 2;
  } else { /* the screen allows nothing above U+FFFD */
    b[0] = (unsigned char)(0xE0 | (c >> 12));
    b[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    b[2] = (unsigned char)(0x80 | (c & 0x3F));
    n = 3;
  }
  put(w, b, n);
}

/* One character of text, escaped where XML needs it. A CR that came as a reference stays one
 * (a literal CR is a line end, which every parser reads as LF). */
static void put_text_char(writer *w, uint32_t c, int from_reference) {
  if (c == '<')
    put(w, "&lt;", 4);
  else if (c == '&')
    put(w, "&amp;", 5);
  else if (c == '>')
    put(w, "&gt;", 4);
  else if (c == '\r' && from_reference)
    put(w, "&#13;", 5);
  else
    put_utf8(w, c);
}

static int at(const unsigned char *p, const unsigned char *end, const char *word) {
  size_t n = strlen(word);
  return (size_t)(end - p) >= n && memcmp(p, word, n) == 0;
}

/* The characters of one run of text (up to the next tag), comments skipped, CDATA read. */
typedef struct text_run {
  const unsigned char *p, *end;
  int in_cdata;
} text_run;

/* The reference at p ('&'), screened already: its character; p moves past it. */
static uint32_t reference(const unsigned char **p, const unsigned char *end) {
  const unsigned char *q = *p;
  uint32_t c;
  size_t n = custapi__xml_predefined_entity((const char *)q, (size_t)(end - q), &c);
  if (n > 0) {
    *p = q + n;
    return c;
  }
  q += 2;
  int hex = *q == 'x';
  q += hex;
  uint32_t v = 0;
  for (; *q != ';'; q++)
    v = v * (hex ? 16 : 10) +
        (uint32_t)(*q <= '9' ? *q - '0' : (*q | 0x20) - 'a' + 10); /* the screen bounds it */
  *p = q + 1;
  return v;
}

/* The next character of the run: 1 with *c, or 0 at its end. */
static int next_char(text_run *r, uint32_t *c, int *from_reference) {
  *from_reference = 0;
  for (;;) {
    if (r->p >= r->end)
      return 0;
    if (r->in_cdata) {
      if (at(r->p, r->end, "]]>")) {
        r->in_cdata = 0;
        r->p += 3;
        continue;
      }
      *c = *r->p++;
      return 1;
    }
    if (*r->p == '<') {
      if (at(r->p, r->end, "<!--")) {
        const unsigned char *q = r->p + 4;
        while (!at(q, r->end, "-->"))
          q++;
        r->p = q + 3;
        continue;
      }
      if (at(r->p, r->end, "<![CDATA[")) {
        r->in_cdata = 1;
        r->p += 9;
        continue;
      }
      return 0; /* a tag */
    }
    if (*r->p == '&') {
      *c = reference(&r->p, r->end);
      *from_reference = 1;
      return 1;
    }
    *c = *r->p++;
    return 1;
  }
}

/*
 * PHP's reading of a string (xml_encoding.h): 1 when its characters, taken as bytes, are UTF-8
 * holding a multi-byte sequence; 0 when it is Latin-1; -1 when it is UTF-8 naming a character
 * xmlrpc-c cannot hold (as the same text sent as UTF-8 is refused).
 */
static int utf8_in_bytes(text_run run) {
  unsigned char seq[4];
  size_t need = 0, have = 0;
  int multibyte = 0, beyond = 0, from_reference;
  uint32_t c;
  while (next_char(&run, &c, &from_reference)) {
    if (c > 0xFF)
      return 0;
    if (have == 0) {
      if (c < 0x80)
        continue;
      need = c >= 0xC2 && c <= 0xDF   ? 2
             : c >= 0xE0 && c <= 0xEF ? 3
             : c >= 0xF0 && c <= 0xF4 ? 4
                                      : 0;
      if (need == 0)
        return 0;
      seq[have++] = (unsigned char)c;
      continue;
    }
    if ((c & 0xC0) != 0x80)
      return 0;
    seq[have++] = (unsigned char)c;
    if (have < need)
      continue;
    uint32_t cp;
    if (custapi__text_decode(seq, have, &cp) != have)
      return 0; /* overlong, a surrogate, beyond U+10FFFF */
    multibyte = 1;
    if (cp > 0xFFFD)
      beyond = 1;
    have = 0;
  }
  if (have != 0 || !multibyte)
    return 0;
  return beyond ? -1 : 1;
}

/* One run of text written as UTF-8; -1 (with *problem) when PHP's reading refuses it. */
static int text(writer *w, text_run *run, const char **problem) {
  int as_bytes = utf8_in_bytes(*run);
  if (as_bytes < 0) {
    *problem = "a character beyond U+FFFD (xmlrpc-c cannot hold it), written as UTF-8 bytes";
    return -1;
  }
  uint32_t c;
  int from_reference;
  while (next_char(run, &c, &from_reference)) {
    if (as_bytes && c >= 0x80) {
      unsigned char b = (unsigned char)c;
      put(w, &b, 1);
    } else {
      put_text_char(w, c, from_reference);
    }
  }
  return 0;
}

/* A tag at p ('<'), copied with its attribute values' bytes as UTF-8; p moves past it. */
static void tag(writer *w, const unsigned char **p) {
  const unsigned char *q = *p;
  unsigned char quote = 0;
  for (;;) {
    unsigned char c = *q++;
    if (quote && c == quote)
      quote = 0;
    else if (!quote && (c == '"' || c == '\''))
      quote = c;
    put_utf8(w, c);
    if (!quote && c == '>')
      break;
  }
  *p = q;
}

/* The screened ISO-8859-1 document from `from` (after its declaration) as UTF-8. */
static int transcode(writer *w, const unsigned char *from, const unsigned char *end,
                     size_t *problem_at, const char **problem) {
  const unsigned char *p = from;
  while (p < end) {
    if (*p == '<' && !at(p, end, "<!--") && !at(p, end, "<![CDATA[")) {
      tag(w, &p);
      continue;
    }
    text_run run = {p, end, 0};
    if (text(w, &run, problem) < 0) {
      *problem_at = (size_t)(p - from);
      return -1;
    }
    p = run.p;
  }
  return 0;
}

/* Where an XML declaration at the start of text[0..len) ends (no value in it holds "?>"), or 0
 * when there is none. */
static size_t after_declaration(const char *text, size_t len) {
  if (len < 5 || memcmp(text, "<?xml", 5) != 0)
    return 0;
  for (size_t i = 5; i + 1 < len; i++)
    if (text[i] == '?' && text[i + 1] == '>')
      return i + 2;
  return 0;
}

int custapi__xml_read(custapi_xml_reading *out, const char *body, size_t len,
                      custapi_xml_document kind) {
  *out = (custapi_xml_reading){0};
  if (custapi__xml_check(&out->check, body, len, kind) < 0)
    return CUSTAPI_XML_READ_REFUSED;
  if (out->check.encoding != CUSTAPI_XML_LATIN1) {
    out->text = body + out->check.start;
    out->len = len - out->check.start;
    return 0;
  }
  /* A Latin-1 declaration comes only without a byte-order mark, at the very start. */
  size_t from = after_declaration(body, len);
  const unsigned char *b = (const unsigned char *)body;
  const char *problem = NULL;
  size_t problem_at = 0;
  writer count = {NULL, 0};
  if (transcode(&count, b + from, b + len, &problem_at, &problem) < 0) {
    out->check.offset = from + problem_at;
    out->check.problem = problem;
    snprintf(out->check.message, sizeof out->check.message, "%s", problem);
    return CUSTAPI_XML_READ_REFUSED;
  }
  writer w = {custapi__malloc(count.len + 1), 0};
  if (!w.buf)
    return CUSTAPI_XML_READ_NOMEM;
  transcode(&w, b + from, b + len, &problem_at, &problem);
  w.buf[w.len] = '\0';
  out->owned = w.buf;
  out->text = w.buf;
  out->len = w.len;
  /* The copy is held to the screen too: what xmlrpc-c gets is always what the screen passed. */
  custapi_xml_check again;
  if (custapi__xml_check(&again, out->text, out->len, kind) < 0) {
    memcpy(out->check.message, again.message, sizeof out->check.message);
    out->check.problem = again.problem;
    out->check.offset = from; /* the copy's offsets mean nothing in the input */
    return CUSTAPI_XML_READ_REFUSED;
  }
  /* What the decoder asks of the members and CR references is about the text xmlrpc-c reads:
   * the copy's (its pointers point into the copy, which the reading owns). */
  out->check.members = again.members;
  out->check.cr_at = again.cr_at;
  out->check.cr_byte = again.cr_byte;
  out->check.cr_member = again.cr_member;
  out->check.cr_member_len = again.cr_member_len;
  return 0;
}

void custapi__xml_reading_clear(custapi_xml_reading *reading) {
  custapi__free(reading->owned);
  *reading = (custapi_xml_reading){0};
}

/* ---------------------------------------------------------------------------------------
 * Writing in the caller's dialect
 * ------------------------------------------------------------------------------------- */

#define LATIN1_DECLARATION "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>"

int custapi__xml_write_dialect(char **doc, size_t *len, custapi_xml_encoding dialect) {
  if (dialect != CUSTAPI_XML_LATIN1)
    return 0;
  const char *in = *doc;
  size_t n = *len, from = after_declaration(in, n);
  size_t size = sizeof LATIN1_DECLARATION - 1;
  for (size_t i = from; i < n; i++)
    size += (unsigned char)in[i] >= 0x80 ? 6 : 1; /* &#NNN; */
  char *out = custapi__malloc(size + 1);
  if (!out)
    return -1;
  size_t o = sizeof LATIN1_DECLARATION - 1;
  memcpy(out, LATIN1_DECLARATION, o);
  for (size_t i = from; i < n; i++) {
    unsigned char c = (unsigned char)in[i];
    if (c >= 0x80)
      o += (size_t)snprintf(out + o, 7, "&#%u;", c);
    else
      out[o++] = (char)c;
  }
  out[o] = '\0';
  custapi__free(*doc);
  *doc = out;
  *len = o;
  return 0;
}
