/*
 * The one reading of an XML-RPC document, wherever one arrives (the client's answers, the
 * gateway's door, the reference server), and the one writing of an answer in its caller's
 * dialect (docs/protocol.md, "Encodings").
 *
 * Reading: the screen (xml_check.h) first; a document it accepts is handed to xmlrpc-c as
 * UTF-8. UTF-8 and US-ASCII documents are used in place (a US-ASCII one is read as UTF-8, which
 * is what Perl's RPC::XML writes under that name). An ISO-8859-1 document is transcoded first,
 * and each string in it read as PHP's xmlrpc extension means it: when its characters are all
 * below U+0100 and, taken as bytes, form valid UTF-8 holding a multi-byte sequence, the string
 * is that UTF-8 text (PHP writes each byte of a UTF-8 character as its own reference,
 * "Stra&#195;&#159;e"); otherwise it is Latin-1. A string here is the text between two tags,
 * comments dropped and CDATA sections read as text, as xmlrpc-c would see it. The transcoded
 * copy passes the screen again, so every bound of the screen holds in every encoding.
 */
#ifndef CUSTAPI_XML_ENCODING_H
#define CUSTAPI_XML_ENCODING_H

#include <stddef.h>

#include "xml_check.h"

typedef struct custapi_xml_reading {
  const char *text; /* the document for xmlrpc-c: UTF-8, no byte-order mark, no declaration
                       that expat would hold it to */
  size_t len;
  char *owned;             /* the transcoded copy `text` points into, or NULL */
  custapi_xml_check check; /* the screen's findings; check.encoding is the caller's dialect */
} custapi_xml_reading;

#define CUSTAPI_XML_READ_REFUSED (-1) /* check.message and check.offset say why */
#define CUSTAPI_XML_READ_NOMEM (-2)

/* 0 with out->text ready for xmlrpc-c, or one of the two above. Clear it either way. */
int custapi__xml_read(custapi_xml_reading *out, const char *body, size_t len,
                      custapi_xml_document kind);
void custapi__xml_reading_clear(custapi_xml_reading *reading);

/*
 * A document xmlrpc-c wrote (UTF-8; markup and names ASCII) rewritten in place (*doc is
 * custapi__malloc'd, replaced) for a caller of `dialect`: for ISO-8859-1, declared so and with
 * every byte above 0x7F written as a decimal character reference of its own, as PHP's xmlrpc
 * extension writes, so that PHP's xmlrpc_decode gives back the UTF-8 bytes; for the others,
 * unchanged (UTF-8). 0, or -1 when memory runs out (*doc is then unchanged).
 */
int custapi__xml_write_dialect(char **doc, size_t *len, custapi_xml_encoding dialect);

#endif
