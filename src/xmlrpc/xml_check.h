/*
 * A strict XML-RPC screen that allocates nothing, run on every XML document before xmlrpc-c
 * parses it (as json_check runs before json-c). xmlrpc-c 1.33 expands entities declared in a
 * DOCTYPE (in any encoding its expat detects, UTF-16 included), frees its element tree
 * recursively (a deep document overflows the stack), crashes on an <i8> it cannot convert
 * (a format-string bug in its error path) and does quadratic work on large structs. So the
 * screen accepts only the small XML that XML-RPC needs, and only values xmlrpc-c converts
 * without error; what it accepts, xmlrpc-c parses without error (tests/fuzz/fuzz_xml_check.c).
 *
 * Accepted: UTF-8 (an optional UTF-8 byte-order mark, skipped: see `start`; then an optional
 * XML declaration whose encoding, if any, is UTF-8, US-ASCII or ISO-8859-1, in any case: see
 * custapi_xml_encoding), one root element, comments, CDATA
 * sections (expat hands their text to xmlrpc-c's character handler like any other text, so
 * they are checked as text), the five predefined entities and character references;
 * characters XML allows and xmlrpc-c can hold (up to U+FFFD); the XML-RPC elements only, in
 * the places the XML-RPC grammar puts them; at most CUSTAPI_XML_MAX_ATTRIBUTES attributes an
 * element (XML-RPC has none; xmlrpc-c ignores them).
 * Refused: other encodings (UTF-16 and UTF-32 with or without a byte-order mark, every other
 * declared encoding, and a UTF-8 byte-order mark before another declared one), DOCTYPE and
 * any other declaration, processing instructions, other entity references, nesting deeper
 * than CUSTAPI_XML_MAX_DEPTH, more than CUSTAPI_XML_MAX_ELEMENTS elements, and typed values
 * xmlrpc-c would refuse or misread: <int>/<i4> outside 32 bits, <i8> outside 64 bits, a
 * <double> that is not [+-]digits[.digits] or not finite, a <boolean> other than 0 or 1, a
 * <dateTime.iso8601> other than YYYYMMDDTHH:MM:SS[.ffffff] with fields in range, a <base64>
 * with characters outside its alphabet or bad padding. In a <fault>, the struct must hold an
 * integer faultCode and a string faultString.
 */
#ifndef CUSTAPI_XML_CHECK_H
#define CUSTAPI_XML_CHECK_H

#include <stddef.h>
#include <stdint.h>

/*
 * The deepest element nesting accepted. A customer read needs 8 (methodResponse, params,
 * param, value, struct, member, value, string); each nested array or struct adds 3. 64 leaves
 * room for 20 nested levels of values, within xmlrpc-c's own limit (64 values) and the JSON
 * depth limit (32) of the text a nested value becomes, and keeps xmlrpc-c's recursive free
 * shallow.
 */
#define CUSTAPI_XML_MAX_DEPTH 64

/*
 * The most elements accepted in one document. A customer read has about 4 per property and
 * system.listMethods 2 per method; 20000 is far above both, and bounds xmlrpc-c's work on the
 * worst document of that many elements (its struct member lookup is linear, so a struct costs
 * the square of its member count): under 0.1 s and a few MiB, measured in docs/security.md.
 */
#define CUSTAPI_XML_MAX_ELEMENTS 20000

/* The most attributes accepted on one element (checked for duplicates pairwise). */
#define CUSTAPI_XML_MAX_ATTRIBUTES 4

typedef enum custapi_xml_document {
  CUSTAPI_XML_RESPONSE, /* a <methodResponse> with one <param> or a <fault> */
  CUSTAPI_XML_CALL      /* a <methodCall>: <methodName> and optional <params> */
} custapi_xml_document;

/*
 * The encodings a document may declare (docs/protocol.md). Only these three: none of them can
 * hide markup from a byte-wise screen, as UTF-16 hides an entity bomb from an ASCII search.
 */
typedef enum custapi_xml_encoding {
  CUSTAPI_XML_UTF8 = 0, /* declared UTF-8, or not declared */
  CUSTAPI_XML_US_ASCII, /* read as UTF-8: Perl's RPC::XML declares it and writes UTF-8 */
  CUSTAPI_XML_LATIN1    /* ISO-8859-1: one byte, one character (PHP's xmlrpc extension) */
} custapi_xml_encoding;

typedef struct custapi_xml_check {
  size_t start; /* where the document starts: after a UTF-8 byte-order mark, which
                   xmlrpc-c's expat refuses, and after a US-ASCII declaration, which
                   its expat would hold to ASCII: so parse text + start */
  /* as declared (known once the declaration is read, so also when a later problem refuses) */
  custapi_xml_encoding encoding;
  size_t offset;       /* where the first problem is */
  const char *problem; /* what it is, e.g. "value out of range" (static) */
  const char *element; /* the element whose value is wrong, e.g. "i8" (static), or NULL */
  const char *member;  /* the member whose value is wrong: its name's raw text in the input */
  size_t member_len;   /* (not decoded, not checked for display: quote it), or NULL */
  char message[96];    /* "<i8> value out of range", or the problem alone */
  size_t elements;     /* elements seen */
  int max_depth;       /* the deepest nesting seen */
  /* What xmlrpc-c's values hide, for a reader that must refuse it as `update` would: */
  size_t members;        /* <member> elements seen (xmlrpc-c keeps one of a repeated name) */
  size_t cr_at;          /* 0, or 1 + the offset of the first CR character reference in text
                            (&#13;: xmlrpc-c reads it back as LF) */
  size_t cr_byte;        /* its byte offset in its value's text */
  const char *cr_member; /* the raw text of the name of the member holding it, or NULL */
  size_t cr_member_len;
} custapi_xml_check;

/*
 * 0 when text[0..len) is an XML-RPC document of that kind that passes the screen; else -1
 * with out->offset, out->problem, out->element and out->message. Never echoes the input:
 * messages are static text.
 */
int custapi__xml_check(custapi_xml_check *out, const char *text, size_t len,
                       custapi_xml_document kind);

/* The length of the predefined entity reference (&amp; &lt; &gt; &quot; &apos;) at text, with
 * its character in *c; 0 when there is none. */
size_t custapi__xml_predefined_entity(const char *text, size_t len, uint32_t *c);

#endif
