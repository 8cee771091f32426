/*
 * The XML screen (xml_check.h) at its edges: what it accepts (and xmlrpc-c then parses without
 * error: every accepted document here is also handed to xmlrpc_parse_response2), what it
 * refuses and why, and its limits one short of and one past.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xmlrpc-c/base.h>

#include "../../src/xmlrpc/xmlrpc.h"
#include "xml_encoding.h"

#define RESPONSE(v)                                                                                \
  "<?xml version=\"1.0\"?><methodResponse><params><param><value>" v                                \
  "</value></param></params></methodResponse>"
#define BODY(v)                                                                                    \
  "<methodResponse><params><param><value>" v "</value></param></params></methodResponse>"
#define RESPONSE_BODY(v)                                                                           \
  "<methodResponse><params><param><value>" v "</value></param></params></methodResponse>"
#define MEMBER(n, v) "<member><name>" n "</name><value>" v "</value></member>"
#define FAULT(members)                                                                             \
  "<methodResponse><fault><value><struct>" members "</struct></value></fault></methodResponse>"

/*
 * Every test of the screen below runs once in each accepted encoding (a loop test: _i is the
 * encoding): the document is given that encoding's declaration, and goes through the one
 * reading (xml_encoding.h: the screen, then the ISO-8859-1 transcoding) instead of the screen
 * alone, so that every bound, refusal and acceptance holds in each of them and what is accepted
 * is what xmlrpc-c then parses without error.
 */
static const char *const declarations[] = {
    [CUSTAPI_XML_UTF8] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
    [CUSTAPI_XML_US_ASCII] = "<?xml version=\"1.0\" encoding=\"us-ascii\"?>",
    [CUSTAPI_XML_LATIN1] = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>",
};
static custapi_xml_encoding encoding; /* the loop's */
static int as_given;                  /* 1: documents are read exactly as written */
static custapi_xml_check check;
static custapi_xml_reading reading;
static char *variant; /* the document as read: check.member points into it */

/*
 * text in the current encoding: RESPONSE's plain declaration replaced by the encoding's, a
 * document without one given it; one with a byte-order mark or another declaration as it is.
 * Returns how far offsets moved.
 */
static long in_encoding(const char *text, size_t *len) {
  static const char plain[] = "<?xml version=\"1.0\"?>";
  const char *declaration = declarations[encoding];
  size_t skip = 0;
  if (as_given)
    declaration = "";
  else if (*len >= sizeof plain - 1 && memcmp(text, plain, sizeof plain - 1) == 0)
    skip = sizeof plain - 1;
  else if ((*len >= 5 && memcmp(text, "<?xml", 5) == 0) || (*len >= 1 && text[0] == '\xef'))
    declaration = "";
  size_t d = strlen(declaration);
  free(variant);
  variant = malloc(d + *len - skip + 1);
  ck_assert_ptr_nonnull(variant);
  memcpy(variant, declaration, d);
  memcpy(variant + d, text + skip, *len - skip);
  *len = d + *len - skip;
  variant[*len] = '\0';
  return (long)d - (long)skip;
}

static int screen_len(const char *text, size_t len, custapi_xml_document doc) {
  long moved = in_encoding(text, &len);
  custapi__xml_reading_clear(&reading);
  int rc = custapi__xml_read(&reading, variant, len, doc);
  ck_assert_int_ne(rc, CUSTAPI_XML_READ_NOMEM);
  check = reading.check;
  if (rc < 0 && check.offset >= (size_t)(moved > 0 ? moved : 0))
    check.offset = (size_t)((long)check.offset - moved); /* as in the text given */
  return rc;
}

/* Accepted as a response, and then parsed by xmlrpc-c without error. */
static void assert_accepted_len(const char *text, size_t len) {
  ck_assert_msg(screen_len(text, len, CUSTAPI_XML_RESPONSE) == 0, "refused (%s at %zu): %s",
                check.message, check.offset, variant);
  custapi__xmlrpc_global_init();
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *v = NULL;
  int code = 0;
  const char *fault = NULL;
  xmlrpc_parse_response2(&env, reading.text, reading.len, &v, &code, &fault);
  ck_assert_msg(!env.fault_occurred, "xmlrpc-c refuses what the screen accepted: %s: %.200s",
                env.fault_string, variant);
  if (fault)
    free((void *)fault);
  else
    xmlrpc_DECREF(v);
  xmlrpc_env_clean(&env);
}

static void assert_accepted(const char *text) { assert_accepted_len(text, strlen(text)); }

static void assert_refused_len(const char *text, size_t len, const char *why) {
  if (encoding == CUSTAPI_XML_LATIN1 && strcmp(why, "not valid UTF-8") == 0) {
    assert_accepted_len(text, len); /* every byte is a character in ISO-8859-1 */
    return;
  }
  ck_assert_msg(screen_len(text, len, CUSTAPI_XML_RESPONSE) < 0, "accepted: %.300s", variant);
  ck_assert_msg(strstr(check.message, why) != NULL, "\"%s\" not in \"%s\" for %.200s", why,
                check.message, variant);
  ck_assert_ptr_null(strchr(check.message, '\n'));
}

static void assert_refused(const char *text, const char *why) {
  assert_refused_len(text, strlen(text), why);
}

static void set_encoding(int i) {
  encoding = (custapi_xml_encoding)i;
  as_given = 0;
  custapi__xml_reading_clear(&reading);
}

START_TEST(accepts_xmlrpc) {
  set_encoding(_i);
  const char *good[] = {
      RESPONSE("<i4>1</i4>"),
      "<methodResponse><params><param><value><i4>1</i4></value></param></params></methodResponse>",
      "<?xml version='1.0' encoding='utf-8' standalone='no' ?>\r\n<methodResponse>\r\n<params>"
      "<param><value>text</value></param></params></methodResponse>\r\n",
      "<!-- before --><methodResponse><params><param><value/></param></params>"
      "</methodResponse><!-- after -->\n",
      RESPONSE("<string>&amp;&lt;&gt;&quot;&apos;&#65;&#x42;&#xfffd;&#xD7FF;&#xE000;&#9;&#10;"
               "&#13;caf\xc3\xa9 \xe4\xb8\xad \xef\xbf\xbd</string>"),
      RESPONSE("<i4><![CDATA[1]]><!-- a comment splits no value -->2</i4>"),
      RESPONSE("<string><![CDATA[<not markup> & ]] ]>]]></string>"),
      RESPONSE("<struct>" MEMBER("a", "<int>1</int>") "<member><value><i8>2</i8></value><name>b"
                                                      "</name></member>" MEMBER(
                                                          "a", "<nil/>") "</struct>"),
      RESPONSE("<array><data></data></array>"),
      RESPONSE("<array><data><value>1</value><value><boolean>0</boolean></value></data></array>"),
      RESPONSE("<struct></struct>"),
      RESPONSE("<ex:i8>5</ex:i8>"),
      RESPONSE("<i1>1</i1>"),
      RESPONSE("<ex:nil/>"),
      RESPONSE("<nil></nil>"),
      RESPONSE("<base64></base64>"),
      RESPONSE("<dateTime.iso8601>19980717T14:08:55</dateTime.iso8601>"),
      "<methodResponse xmlns:ex=\"http://ws.apache.org/xmlrpc/namespaces/extensions\" a='&lt;'>"
      "<params ><param><value ><ex:i8 >1</ex:i8 ></value></param></params></methodResponse >",
      FAULT(MEMBER("faultCode", "<int>4</int>") MEMBER("faultString", "<string>no</string>")),
      FAULT(MEMBER("faultString", "no") MEMBER("faultCode", "<i4>-1</i4>")
                MEMBER("x", "<i8>1</i8>")),
      FAULT(MEMBER("faultCode", "<i8>4</i8>") MEMBER("faultString", "x")
                MEMBER("faultCode", "<i4>5</i4>")), /* the last of a name wins */
      FAULT(MEMBER("fault&#67;ode", "<int>4</int>") MEMBER("faultString", "")),
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    assert_accepted(good[i]);
  if (encoding != CUSTAPI_XML_UTF8)
    return; /* a byte-order mark is UTF-8's alone */
  /* a UTF-8 byte-order mark is skipped: xmlrpc-c's expat refuses it, so parsing starts after */
  as_given = 1;
  assert_accepted("\xef\xbb\xbf" RESPONSE("<i4>1</i4>"));
  ck_assert_uint_eq(check.start, 3);
  ck_assert(screen_len(RESPONSE("<i4>1</i4>"), strlen(RESPONSE("<i4>1</i4>")),
                       CUSTAPI_XML_RESPONSE) == 0 &&
            check.start == 0);
}
END_TEST

START_TEST(accepts_a_call_as_a_call_only) {
  set_encoding(_i);
  static const char call[] = "<?xml version=\"1.0\"?><methodCall><methodName>customers.Get"
                             "</methodName><params><param><value><i4>1</i4></value></param>"
                             "<param><value><struct>" MEMBER("a", "b") "</struct></value></param>"
                                                                       "</params></methodCall>";
  ck_assert_int_eq(screen_len(call, strlen(call), CUSTAPI_XML_CALL), 0);
  ck_assert_int_eq(screen_len(call, strlen(call), CUSTAPI_XML_RESPONSE), -1);
  ck_assert_str_eq(check.message, "the root element is not <methodResponse>");
  static const char bare[] = "<methodCall><params/><methodName>x</methodName></methodCall>";
  ck_assert_int_eq(screen_len(bare, strlen(bare), CUSTAPI_XML_CALL), 0);
  static const char no_name[] = "<methodCall><params/></methodCall>";
  ck_assert_int_eq(screen_len(no_name, strlen(no_name), CUSTAPI_XML_CALL), -1);
  static const char response[] = RESPONSE("<i4>1</i4>");
  ck_assert_int_eq(screen_len(response, strlen(response), CUSTAPI_XML_CALL), -1);
}
END_TEST

/* Every way in to xmlrpc-c's entity expansion, in any encoding, and other encodings at all. */
START_TEST(refuses_other_encodings_and_declarations) {
  set_encoding(CUSTAPI_XML_UTF8);
  as_given = 1;
  static const char utf16le_bom[] = "\xff\xfe<\0m\0";
  assert_refused_len(utf16le_bom, sizeof utf16le_bom - 1, "UTF-16 byte-order mark");
  static const char utf16be_bom[] = "\xfe\xff\0<\0m";
  assert_refused_len(utf16be_bom, sizeof utf16be_bom - 1, "UTF-16 byte-order mark");
  static const char utf32le_bom[] = "\xff\xfe\0\0<\0\0\0";
  assert_refused_len(utf32le_bom, sizeof utf32le_bom - 1, "UTF-32 byte-order mark");
  static const char utf32be_bom[] = "\0\0\xfe\xff\0\0\0<";
  assert_refused_len(utf32be_bom, sizeof utf32be_bom - 1, "UTF-32 byte-order mark");
  static const char utf16le[] = "<\0?\0x\0m\0l\0";
  assert_refused_len(utf16le, sizeof utf16le - 1, "UTF-16 or UTF-32 text");
  static const char utf16be[] = "\0<\0?\0x\0m\0l";
  assert_refused_len(utf16be, sizeof utf16be - 1, "UTF-16 or UTF-32 text");
  static const char nul_later[] = "<methodResponse>\0</methodResponse>";
  assert_refused_len(nul_later, sizeof nul_later - 1, "a NUL byte");
  assert_refused("<?xml version=\"1.0\" encoding=\"UTF-16\"?>" BODY("1"),
                 "an encoding other than UTF-8");
  static const char *const others[] = {"latin1",    "ISO-8859-15", "windows-1252",
                                       "ascii",     "utf8",        "ISO-8859-1 ",
                                       " us-ascii", "UTF-32",      ""};
  for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
    char doc[200];
    snprintf(doc, sizeof doc, "<?xml version=\"1.0\" encoding=\"%s\"?>" BODY("1"), others[i]);
    assert_refused(doc, "an encoding other than UTF-8, US-ASCII or ISO-8859-1");
  }
  /* XML forbids a byte-order mark that says otherwise than the declaration */
  assert_refused("\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>" BODY("1"),
                 "a UTF-8 byte-order mark before another declared encoding");
  assert_refused("\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"US-ASCII\"?>" BODY("1"),
                 "a UTF-8 byte-order mark before another declared encoding");
  assert_refused("<?xml version=\"1.0\" encoding=\"UTF-8x\"?><methodResponse/>",
                 "an encoding other than UTF-8");
  assert_refused("<?xml version=\"1.1\"?><methodResponse/>", "an XML version other than 1.0");
  assert_refused("<?xml encoding=\"UTF-8\"?><methodResponse/>", "XML declaration");
  assert_refused(" <?xml version=\"1.0\"?>" BODY("1"), "a processing instruction");
  assert_refused("<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY a \"b\">]>" BODY("&a;"),
                 "a DOCTYPE");
  assert_refused("<!doctype methodResponse><methodResponse/>", "a DOCTYPE");
  assert_refused("<!ENTITY a \"b\"><methodResponse/>", "an ENTITY declaration");
  assert_refused("<!ELEMENT a ANY><methodResponse/>", "a markup declaration");
  assert_refused(RESPONSE("<string><!DOCTYPE x></string>"), "a DOCTYPE");
  assert_refused("<?php x ?>" RESPONSE("1"), "a processing instruction");
  assert_refused(RESPONSE("<string><?pi x?></string>"), "a processing instruction");
  assert_refused(RESPONSE("<string>&a;</string>"), "an entity reference other than");
  assert_refused(RESPONSE("<string>&amp</string>"), "an entity reference other than");
  assert_refused(RESPONSE("<string>&</string>"), "an entity reference other than");
}
END_TEST

START_TEST(refuses_bad_characters_and_references) {
  set_encoding(_i);
  struct {
    const char *text, *why;
  } bad[] = {
      {RESPONSE("<string>&#0;</string>"), "a character XML does not allow"},
      {RESPONSE("<string>&#x1;</string>"), "a character XML does not allow"},
      {RESPONSE("<string>&#xD800;</string>"), "a character XML does not allow"},
      {RESPONSE("<string>&#xFFFE;</string>"), "a character XML does not allow"},
      {RESPONSE("<string>&#xFFFF;</string>"), "a character XML does not allow"},
      {RESPONSE("<string>&#x10000;</string>"), "beyond U+FFFD"},
      {RESPONSE("<string>&#x1F600;</string>"), "beyond U+FFFD"},
      {RESPONSE("<string>&#1114112;</string>"), "a character XML does not allow"},
      {RESPONSE("<string>&#99999999999999999999;</string>"), "a character XML does not allow"},
      {RESPONSE("<string>&#X41;</string>"), "not a number"},
      {RESPONSE("<string>&#x;</string>"), "not a number"},
      {RESPONSE("<string>&#;</string>"), "not a number"},
      {RESPONSE("<string>&#65</string>"), "not a number"},
      {RESPONSE("<string>&#6a;</string>"), "not a number"},
      {RESPONSE("<string>\x01</string>"), "a control character"},
      {RESPONSE("<string>\x7f\xff</string>"), "not valid UTF-8"},
      {RESPONSE("<string>\xc0\xaf</string>"), "not valid UTF-8"},     /* overlong '/' */
      {RESPONSE("<string>\xed\xa0\x80</string>"), "not valid UTF-8"}, /* a surrogate */
      {RESPONSE("<string>\xe2\x82</string>"), "not valid UTF-8"},     /* cut short */
      {RESPONSE("<string>\xef\xbf\xbe</string>"), "beyond U+FFFD"},   /* U+FFFE */
      {RESPONSE("<string>\xf0\x9f\x98\x80</string>"), "beyond U+FFFD"},
      {RESPONSE("<string>]]></string>"), "\"]]>\" in text"},
      {RESPONSE("<string><!-- a -- b --></string>"), "\"--\" inside a comment"},
      {RESPONSE("<string><![CDATA[x</string>"), "inside a CDATA section"},
      {"<![CDATA[x]]>" RESPONSE("1"), "a CDATA section outside the root element"},
      {"x" RESPONSE("1"), "text outside the root element"},
      {RESPONSE("1") "x", "text outside the root element"},
      {RESPONSE("1") "&amp;", "text outside the root element"},
      {RESPONSE("1") BODY("1"), "a second root element"},
      {"", "no root element"},
      {"  \n", "no root element"},
      {NULL, NULL},
  };
  for (size_t i = 0; bad[i].text; i++)
    assert_refused(bad[i].text, bad[i].why);
}
END_TEST

START_TEST(refuses_what_is_not_the_xmlrpc_grammar) {
  set_encoding(_i);
  struct {
    const char *text, *why;
  } bad[] = {
      {"<methodResponse/>", "<methodResponse> must hold one <params> or one <fault>"},
      {BODY("1") "<params>", "a second root element"},
      {"<methodResponse><params><param><value>1</value></param></params><params>",
       "<methodResponse> must hold"},
      {"<methodResponse><params></params></methodResponse>", "exactly one <param>"},
      {"<methodResponse><params><param><value>1</value></param><param><value>2</value></param>"
       "</params></methodResponse>",
       "exactly one <param>"},
      {"<methodResponse><params><param/></params></methodResponse>", "<param> must hold"},
      {RESPONSE("<i4>1</i4><i4>2</i4>"), "<value> must hold one type element"},
      {RESPONSE("<value>1</value>"), "<value> must hold one type element"},
      {RESPONSE("<a>1</a>"), "an element XML-RPC does not have"},
      {RESPONSE("<I4>1</I4>"), "an element XML-RPC does not have"},
      {RESPONSE("<i4><i4>1</i4></i4>"), "an element inside a name or a typed value"},
      {RESPONSE("<struct><value>1</value></struct>"), "<struct> may hold only <member>"},
      {RESPONSE("<struct><member><name>a</name></member></struct>"), "one <name> and one <value>"},
      {RESPONSE("<struct><member><name>a</name><name>b</name><value/></member></struct>"),
       "one <name> and one <value>"},
      {RESPONSE("<array></array>"), "<array> must hold one <data>"},
      {RESPONSE("<array><data/><data/></array>"), "<array> must hold one <data>"},
      {RESPONSE("<array><data><i4>1</i4></data></array>"), "<data> may hold only <value>"},
      {RESPONSE("<string>1</strin>"), "an end tag does not match"},
      {RESPONSE("<string>1</string"), "an end tag is not written"},
      {RESPONSE("<string x>1</string>"), "an attribute without '='"},
      {RESPONSE("<string x=1>1</string>"), "an attribute value must be quoted"},
      {RESPONSE("<string x='<'>1</string>"), "a '<' inside an attribute value"},
      {RESPONSE("<string x='1'x='2'>1</string>"), "a tag is not written as XML allows"},
      {RESPONSE("<string x='1' x='2'>1</string>"), "an attribute repeated"},
      {RESPONSE("<string a='' b='' c='' d='' e=''>1</string>"), "too many attributes"},
      {"<methodResponse><params><param><value>1", "the input ends inside an element"},
      {"<methodResponse><params><param><value", "the input ends inside a tag"},
      {"</methodResponse>", "an end tag without a start tag"},
      {"<methodCall><methodName>x</methodName></methodCall>", "not <methodResponse>"},
      {"<methodResponse><fault></fault></methodResponse>", "<fault> must hold one <value>"},
      {"<methodResponse><fault><value>x</value></fault></methodResponse>", "must be a <struct>"},
      {FAULT(MEMBER("faultString", "x")), "an integer faultCode"},
      {FAULT(MEMBER("faultCode", "<i8>1</i8>") MEMBER("faultString", "x")), "an integer faultCode"},
      {FAULT(MEMBER("faultCode", "<int>1</int>") MEMBER("faultString", "x")
                 MEMBER("faultCode", "<string>1</string>")),
       "an integer faultCode"},
      {FAULT(MEMBER("faultCode", "<int>1</int>")), "a string faultString"},
      {FAULT(MEMBER("faultCode", "<int>1</int>") MEMBER("faultString", "<int>1</int>")),
       "a string faultString"},
      {FAULT(MEMBER("faultcode", "<int>1</int>") MEMBER("faultString", "x")), "integer faultCode"},
      {FAULT(MEMBER("faultCodes", "<int>1</int>") MEMBER("faultString", "x")), "integer faultCode"},
      {NULL, NULL},
  };
  for (size_t i = 0; bad[i].text; i++)
    assert_refused(bad[i].text, bad[i].why);
}
END_TEST

/* Integers as xmlrpc-c's strtol/strtoll would read them, within 32 and 64 bits. */
START_TEST(integers_at_their_edges) {
  set_encoding(_i);
  const char *good[] = {
      RESPONSE("<i4>2147483647</i4>"),
      RESPONSE("<int>-2147483648</int>"),
      RESPONSE("<i4>+0</i4>"),
      RESPONSE("<i4>-0</i4>"),
      RESPONSE("<i4>0000000000000000000000000000000000000000001</i4>"),
      RESPONSE("<i8>9223372036854775807</i8>"),
      RESPONSE("<i8>-9223372036854775808</i8>"),
      RESPONSE("<i8>+1</i8>"),
      RESPONSE("<i4>&#49;</i4>"),
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    assert_accepted(good[i]);
  struct {
    const char *text, *why;
  } bad[] = {
      {RESPONSE("<i4>2147483648</i4>"), "<i4> value out of range"},
      {RESPONSE("<int>-2147483649</int>"), "<int> value out of range"},
      {RESPONSE("<i1>99999999999999999999999</i1>"), "<i1> value out of range"},
      {RESPONSE("<i8>9223372036854775808</i8>"), "<i8> value out of range"},
      {RESPONSE("<i8>-9223372036854775809</i8>"), "<i8> value out of range"},
      {RESPONSE("<ex:i8>18446744073709551616</ex:i8>"), "<ex:i8> value out of range"},
      {RESPONSE("<i8>abc</i8>"), "<i8> value is not a decimal integer"},
      {RESPONSE("<i8>-</i8>"), "<i8> value is not a decimal integer"},
      {RESPONSE("<i8></i8>"), "<i8> value is not a decimal integer"},
      {RESPONSE("<i8/>"), "<i8> value is not a decimal integer"},
      {RESPONSE("<i8> 1</i8>"), "<i8> value is not a decimal integer"},
      {RESPONSE("<i8>1 </i8>"), "<i8> value is not a decimal integer"},
      {RESPONSE("<i8>1e3</i8>"), "<i8> value is not a decimal integer"},
      {RESPONSE("<i8>0x10</i8>"), "<i8> value is not a decimal integer"},
      {RESPONSE("<i8>--1</i8>"), "<i8> value is not a decimal integer"},
      {RESPONSE("<i4>1.0</i4>"), "<i4> value is not a decimal integer"},
      {RESPONSE("<int>\xd9\xa1</int>"), "<int> value is not a decimal integer"}, /* Arabic 1 */
      {RESPONSE("<i4>&#32;1</i4>"), "<i4> value is not a decimal integer"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_refused(bad[i].text, bad[i].why);
}
END_TEST

START_TEST(other_typed_values_at_their_edges) {
  set_encoding(_i);
  const char *good[] = {
      RESPONSE("<double>1.5</double>"),
      RESPONSE("<double>-0.5</double>"),
      RESPONSE("<double>+.5</double>"),
      RESPONSE("<double>5.</double>"),
      RESPONSE("<double>0</double>"),
      RESPONSE("<double>0000000000000000000000000000000000000000000000000001.25</double>"),
      RESPONSE("<boolean>0</boolean>"),
      RESPONSE("<boolean>1</boolean>"),
      RESPONSE("<dateTime.iso8601>00001231T23:59:59</dateTime.iso8601>"),
      RESPONSE("<dateTime.iso8601>19980101T00:00:00.5</dateTime.iso8601>"),
      RESPONSE("<dateTime.iso8601>19980101T00:00:00.123456</dateTime.iso8601>"),
      RESPONSE("<base64>aGVsbG8=</base64>"),
      RESPONSE("<base64>aGVs\r\n bG8h\t</base64>"),
      RESPONSE("<base64>aA==</base64>"),
      RESPONSE("<base64>+/+/</base64>"),
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    assert_accepted(good[i]);
  struct {
    const char *text, *why;
  } bad[] = {
      {RESPONSE("<double>1e5</double>"), "<double> value is not a number"},
      {RESPONSE("<double>nan</double>"), "<double> value is not a number"},
      {RESPONSE("<double>inf</double>"), "<double> value is not a number"},
      {RESPONSE("<double>-</double>"), "<double> value is not a number"},
      {RESPONSE("<double>.</double>"), "<double> value is not a number"},
      {RESPONSE("<double></double>"), "<double> value is not a number"},
      {RESPONSE("<double>1.2.3</double>"), "<double> value is not a number"},
      {RESPONSE("<double> 1</double>"), "<double> value is not a number"},
      {RESPONSE("<double>1,5</double>"), "<double> value is not a number"},
      {RESPONSE("<double>0x1p3</double>"), "<double> value is not a number"},
      {RESPONSE("<boolean>2</boolean>"), "<boolean> value is not 0 or 1"},
      {RESPONSE("<boolean>01</boolean>"), "<boolean> value is not 0 or 1"},
      {RESPONSE("<boolean>true</boolean>"), "<boolean> value is not 0 or 1"},
      {RESPONSE("<boolean></boolean>"), "<boolean> value is not 0 or 1"},
      {RESPONSE("<boolean> 1</boolean>"), "<boolean> value is not 0 or 1"},
      {RESPONSE("<dateTime.iso8601>19981317T14:08:55</dateTime.iso8601>"), "<dateTime.iso8601>"},
      {RESPONSE("<dateTime.iso8601>19981200T14:08:55</dateTime.iso8601>"), "fields in range"},
      {RESPONSE("<dateTime.iso8601>19981232T14:08:55</dateTime.iso8601>"), "fields in range"},
      {RESPONSE("<dateTime.iso8601>19981201T24:08:55</dateTime.iso8601>"), "fields in range"},
      {RESPONSE("<dateTime.iso8601>19981201T23:60:55</dateTime.iso8601>"), "fields in range"},
      {RESPONSE("<dateTime.iso8601>19981201T23:59:60</dateTime.iso8601>"), "fields in range"},
      {RESPONSE("<dateTime.iso8601>19981201t23:59:59</dateTime.iso8601>"), "fields in range"},
      {RESPONSE("<dateTime.iso8601>1998-12-01T23:59:59</dateTime.iso8601>"), "YYYYMMDDTHH:MM:SS"},
      {RESPONSE("<dateTime.iso8601>19981201T23:59:59.</dateTime.iso8601>"), "fields in range"},
      {RESPONSE("<dateTime.iso8601>19981201T23:59:59.1234567</dateTime.iso8601>"),
       "YYYYMMDDTHH:MM:SS"},
      {RESPONSE("<dateTime.iso8601>19981201T23:59:59Z</dateTime.iso8601>"), "fields in range"},
      {RESPONSE("<dateTime.iso8601></dateTime.iso8601>"), "fields in range"},
      {RESPONSE("<base64>aGVsbG8</base64>"), "<base64> value has bad base64 padding"},
      {RESPONSE("<base64>a===</base64>"), "<base64> value has bad base64 padding"},
      {RESPONSE("<base64>aG=V</base64>"), "<base64> value has bad base64 padding"},
      {RESPONSE("<base64>====</base64>"), "<base64> value has bad base64 padding"},
      {RESPONSE("<base64>aGVsbG8*</base64>"), "outside the base64 alphabet"},
      {RESPONSE("<base64>aGVs-G8_</base64>"), "outside the base64 alphabet"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_refused(bad[i].text, bad[i].why);
}
END_TEST

/* "1" then `digits` zeros, as a double's integer part. */
START_TEST(double_finite_up_to_308_digits) {
  set_encoding(_i);
  char text[600];
  for (int digits = 307; digits <= 308; digits++) {
    int n = snprintf(text, sizeof text, RESPONSE("<double>-1%0*d.5</double>"), digits, 0);
    ck_assert_int_lt(n, (int)sizeof text);
    if (digits == 307)
      assert_accepted(text); /* 1e307 */
    else
      assert_refused(text, "<double> value out of range"); /* 309 digits */
  }
}
END_TEST

/* A value's problem names its member (raw, for the caller to quote), never its text. */
START_TEST(a_value_problem_names_its_member) {
  set_encoding(_i);
  assert_refused(
      RESPONSE("<struct>" MEMBER("sms_quota", "<i8>99999999999999999999</i8>") "</struct>"),
      "<i8> value out of range");
  ck_assert_int_eq((int)check.member_len, 9);
  ck_assert(memcmp(check.member, "sms_quota", 9) == 0);
  ck_assert_str_eq(check.element, "i8");
  assert_refused(RESPONSE("<i8>abc</i8>"), "<i8>");
  ck_assert_ptr_null(check.member);
  /* the value before the name: no name yet */
  assert_refused(RESPONSE("<struct><member><value><boolean>2</boolean></value><name>x</name>"
                          "</member></struct>"),
                 "<boolean>");
  ck_assert_ptr_null(check.member);
  ck_assert(strstr(check.message, "abc") == NULL);
}
END_TEST

static char big[1 << 21];

/* methodResponse/params/param, then (value/array/data) x n, a value, and the closings. */
static size_t nested(int levels) {
  size_t o = (size_t)snprintf(big, sizeof big, "<methodResponse><params><param>");
  for (int i = 0; i < levels; i++)
    o += (size_t)snprintf(big + o, sizeof big - o, "<value><array><data>");
  o += (size_t)snprintf(big + o, sizeof big - o, "<value><i4>1</i4></value>");
  for (int i = 0; i < levels; i++)
    o += (size_t)snprintf(big + o, sizeof big - o, "</data></array></value>");
  o += (size_t)snprintf(big + o, sizeof big - o, "</param></params></methodResponse>");
  return o;
}

/* What xmlrpc-c's values would hide, reported, not refused: the members seen (a repeated name
 * leaves xmlrpc-c's struct one short) and the first CR given as a reference (read back as LF). */
START_TEST(reports_members_and_cr_references) {
  ck_assert_int_eq(
      custapi__xml_check(&check, BODY("<struct>" MEMBER("a", "1") MEMBER("a", "2") "</struct>"),
                         strlen(BODY("<struct>" MEMBER("a", "1") MEMBER("a", "2") "</struct>")),
                         CUSTAPI_XML_RESPONSE),
      0);
  ck_assert_uint_eq(check.members, 2);
  ck_assert_uint_eq(check.cr_at, 0);
  const char *text =
      BODY("<struct>" MEMBER("ab", "<string>x&#233;y&#xd;z&#13;</string>") "</struct>");
  ck_assert_int_eq(custapi__xml_check(&check, text, strlen(text), CUSTAPI_XML_RESPONSE), 0);
  ck_assert_uint_eq(check.members, 1);
  ck_assert_uint_eq(check.cr_at, (size_t)(strstr(text, "&#xd;") - text) + 1);
  ck_assert_uint_eq(check.cr_byte, 4); /* x, é (two bytes), y */
  ck_assert_uint_eq(check.cr_member_len, 2);
  ck_assert_int_eq(memcmp(check.cr_member, "ab", 2), 0);
  /* A literal CR is a line end to XML (read as LF): not reported. */
  text = BODY("<string>a\r\nb</string>");
  ck_assert_int_eq(custapi__xml_check(&check, text, strlen(text), CUSTAPI_XML_RESPONSE), 0);
  ck_assert_uint_eq(check.cr_at, 0);
}
END_TEST

START_TEST(depth_limit) {
  set_encoding(_i);
  /* 3 + 3 x 20 + 2 = 65 levels: one too many; 19 nested arrays reach 62 */
  size_t n = nested(19);
  assert_accepted_len(big, n);
  ck_assert_int_eq(check.max_depth, 62);
  n = nested(20);
  assert_refused_len(big, n, "elements nested too deeply");
  /* exactly CUSTAPI_XML_MAX_DEPTH: 19 arrays, then a struct member's value; its string is 65 */
  size_t o = (size_t)snprintf(big, sizeof big, "<methodResponse><params><param>");
  for (int i = 0; i < 19; i++)
    o += (size_t)snprintf(big + o, sizeof big - o, "<value><array><data>");
  o += (size_t)snprintf(big + o, sizeof big - o, "<value><struct><member><value>");
  ck_assert_int_eq(screen_len(big, o, CUSTAPI_XML_RESPONSE), -1);
  ck_assert_int_eq(check.max_depth, CUSTAPI_XML_MAX_DEPTH);
  ck_assert_str_eq(check.message, "the input ends inside an element");
  o += (size_t)snprintf(big + o, sizeof big - o, "<string>");
  assert_refused_len(big, o, "elements nested too deeply");
}
END_TEST

/* An array of `values` empty values: 5 + values elements. */
static size_t wide(size_t values) {
  size_t o = (size_t)snprintf(big, sizeof big, RESPONSE("<array><data>"));
  o -= strlen("</value></param></params></methodResponse>");
  for (size_t i = 0; i < values; i++)
    memcpy(big + o, "<value/>", 8), o += 8;
  o += (size_t)snprintf(big + o, sizeof big - o,
                        "</data></array></value></param></params></methodResponse>");
  return o;
}

START_TEST(element_limit) {
  set_encoding(_i);
  size_t n = wide(CUSTAPI_XML_MAX_ELEMENTS - 6);
  assert_accepted_len(big, n);
  ck_assert_uint_eq(check.elements, CUSTAPI_XML_MAX_ELEMENTS);
  n = wide(CUSTAPI_XML_MAX_ELEMENTS - 5);
  assert_refused_len(big, n, "more than 20000 elements");
}
END_TEST

START_TEST(the_reproductions) {
  set_encoding(_i);
  assert_refused(RESPONSE("<i8>9223372036854775808</i8>"), "<i8> value out of range");
  assert_refused(RESPONSE("<i8>abc</i8>"), "<i8> value is not a decimal integer");
  /* 200 000 unclosed elements: refused at the first that XML-RPC does not have */
  size_t o = (size_t)snprintf(big, sizeof big, "<methodResponse>");
  for (int i = 0; i < 200000; i++)
    memcpy(big + o, "<a>", 3), o += 3;
  assert_refused_len(big, o, "an element XML-RPC does not have");
  ck_assert_uint_eq(check.offset, 17);
}
END_TEST

/* ---- the three encodings, read as their writers mean them (xml_encoding.h) ---- */

#define LATIN1_DECL "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>"

/* The one string a response holds (or its struct's one member name, `name`), as read. */
static char *read_back(const char *doc, int name) {
  custapi_xml_reading r;
  ck_assert_msg(custapi__xml_read(&r, doc, strlen(doc), CUSTAPI_XML_RESPONSE) == 0,
                "refused: %s: %s", r.check.message, doc);
  custapi__xmlrpc_global_init();
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *v = NULL, *key = NULL, *member = NULL;
  int code = 0;
  const char *fault = NULL, *text = NULL;
  size_t len = 0;
  xmlrpc_parse_response2(&env, r.text, r.len, &v, &code, &fault);
  ck_assert_msg(!env.fault_occurred && !fault, "xmlrpc-c: %s", env.fault_string);
  if (name) {
    xmlrpc_struct_read_member(&env, v, 0, &key, &member);
    xmlrpc_read_string_lp(&env, key, &len, &text);
    xmlrpc_DECREF(key);
    xmlrpc_DECREF(member);
  } else {
    xmlrpc_read_string_lp(&env, v, &len, &text);
  }
  ck_assert_msg(!env.fault_occurred, "xmlrpc-c: %s", env.fault_string);
  char *copy = strndup(text, len);
  ck_assert_uint_eq(strlen(copy), len);
  free((void *)text);
  xmlrpc_DECREF(v);
  xmlrpc_env_clean(&env);
  custapi__xml_reading_clear(&r);
  return copy;
}

static void assert_reads(const char *doc, const char *want) {
  char *got = read_back(doc, 0);
  ck_assert_msg(strcmp(got, want) == 0, "read \"%s\", not \"%s\", from %s", got, want, doc);
  free(got);
}

START_TEST(each_encoding_is_declared_in_any_case_and_either_quote) {
  static const struct {
    const char *name;
    custapi_xml_encoding encoding;
  } names[] = {{"UTF-8", CUSTAPI_XML_UTF8},        {"utf-8", CUSTAPI_XML_UTF8},
               {"Utf-8", CUSTAPI_XML_UTF8},        {"US-ASCII", CUSTAPI_XML_US_ASCII},
               {"us-ascii", CUSTAPI_XML_US_ASCII}, {"Us-Ascii", CUSTAPI_XML_US_ASCII},
               {"ISO-8859-1", CUSTAPI_XML_LATIN1}, {"iso-8859-1", CUSTAPI_XML_LATIN1},
               {"Iso-8859-1", CUSTAPI_XML_LATIN1}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    for (int q = 0; q < 2; q++) {
      char doc[200];
      char quote = q ? '\'' : '"';
      int n = snprintf(doc, sizeof doc, "<?xml version=%c1.0%c encoding=%c%s%c ?>" BODY("1"), quote,
                       quote, quote, names[i].name, quote);
      ck_assert_int_eq(custapi__xml_check(&check, doc, (size_t)n, CUSTAPI_XML_RESPONSE), 0);
      ck_assert_int_eq(check.encoding, names[i].encoding);
      /* US-ASCII: xmlrpc-c starts after the declaration, reading the rest as UTF-8 */
      size_t decl = (size_t)(strstr(doc, "?>") + 2 - doc);
      ck_assert_uint_eq(check.start, names[i].encoding == CUSTAPI_XML_US_ASCII ? decl : 0);
    }
  }
  /* no declaration, or none naming an encoding: UTF-8 */
  ck_assert_int_eq(custapi__xml_check(&check, BODY("1"), strlen(BODY("1")), CUSTAPI_XML_RESPONSE),
                   0);
  ck_assert_int_eq(check.encoding, CUSTAPI_XML_UTF8);
  /* the dialect is known once the declaration is read, also when the document is refused */
  static const char refused[] = LATIN1_DECL "<methodResponse/>";
  ck_assert_int_eq(custapi__xml_check(&check, refused, strlen(refused), CUSTAPI_XML_RESPONSE), -1);
  ck_assert_int_eq(check.encoding, CUSTAPI_XML_LATIN1);
}
END_TEST

/* PHP's rule: all below U+0100 and valid UTF-8 with a multi-byte sequence, as bytes: UTF-8. */
START_TEST(latin1_strings_are_read_as_php_means_them) {
  static const struct {
    const char *text, *want;
  } cases[] = {
      /* what PHP's xmlrpc_encode_request writes for UTF-8 text */
      {"Stra&#195;&#159;e 1 &#226;&#128;&#148; Z&#195;&#188;rich",
       "Stra\u00dfe 1 \u2014 Z\u00fcrich"},
      {"Stra&#xC3;&#x9f;e", "Stra\u00dfe"},
      /* raw UTF-8 bytes under an ISO-8859-1 declaration */
      {"Stra\xc3\x9f"
       "e",
       "Stra\u00dfe"},
      {"Stra\xc3&#159;e", "Stra\u00dfe"},
      /* Latin-1 text: not UTF-8 as bytes */
      {"Stra\xdf"
       "e",
       "Stra\u00dfe"},
      {"caf&#233;", "caf\u00e9"},
      {"&#195;&#159; \xdf", "\u00c3\xc2\x9f \u00df"},  /* one byte that is not UTF-8: all Latin-1 */
      {"&#195;&#159;&#8212;", "\u00c3\xc2\x9f\u2014"}, /* a character past U+00FF: Latin-1 */
      {"&#192;&#128;", "\u00c0\xc2\x80"},              /* overlong: not UTF-8 */
      {"&#237;&#160;&#128;", "\u00ed\u00a0\xc2\x80"},  /* a surrogate: not UTF-8 */
      {"&#195;", "\u00c3"},                            /* cut short */
      /* ASCII: the same either way; markup characters stay text */
      {"1 Main Road", "1 Main Road"},
      {"a&lt;b&#38;c&#62;&quot;", "a<b&c>\""},
      /* comments split nothing, CDATA is text, and the whole text between tags is one string */
      {"Stra&#xC3;<!-- c -->&#x9F;e", "Stra\u00dfe"},
      {"<![CDATA[\xc3]]>&#x9F;<![CDATA[<&]]>", "\u00df<&"},
      {"<![CDATA[&#195;<]]>&#159;", "&#195;<\xc2\x9f"},
      /* CR as xmlrpc-c reads it from UTF-8 (a LF, either way) */
      {"a&#13;b\r\nc", "a\nb\nc"},
      {"", ""},
  };
  char doc[512];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    snprintf(doc, sizeof doc, LATIN1_DECL RESPONSE_BODY("<string>%s</string>"), cases[i].text);
    assert_reads(doc, cases[i].want);
    snprintf(doc, sizeof doc, LATIN1_DECL RESPONSE_BODY("%s"), cases[i].text); /* untyped */
    assert_reads(doc, cases[i].want);
  }
  /* a member's name is a string too */
  snprintf(doc, sizeof doc,
           LATIN1_DECL RESPONSE_BODY("<struct>" MEMBER("Stra&#195;&#159;e", "1") "</struct>"));
  char *name = read_back(doc, 1);
  ck_assert_str_eq(name, "Stra\u00dfe");
  free(name);
  /* an attribute's bytes are transcoded too (xmlrpc-c ignores them, expat must read them) */
  assert_reads(LATIN1_DECL "<methodResponse a='\xdf'><params><param><value><string b=\"&#195;\">"
                           "\xdf</string></value></param></params></methodResponse>",
               "\u00df");
  /* UTF-8 naming a character xmlrpc-c cannot hold is refused, as the same text sent as UTF-8 */
  static const char emoji[] =
      LATIN1_DECL RESPONSE_BODY("<string>&#240;&#159;&#152;&#128;</string>");
  custapi_xml_reading r;
  ck_assert_int_eq(custapi__xml_read(&r, emoji, strlen(emoji), CUSTAPI_XML_RESPONSE),
                   CUSTAPI_XML_READ_REFUSED);
  ck_assert(strstr(r.check.message, "beyond U+FFFD") != NULL);
  ck_assert_uint_eq(r.check.offset, strlen(LATIN1_DECL RESPONSE_BODY("<string>")) -
                                        strlen("</value></param></params></methodResponse>"));
  custapi__xml_reading_clear(&r);
}
END_TEST

/* The rule is ISO-8859-1's alone: US-ASCII and UTF-8 documents are UTF-8, references included. */
START_TEST(us_ascii_and_utf8_are_read_as_utf8) {
  assert_reads("<?xml version=\"1.0\" encoding=\"us-ascii\"?>" RESPONSE_BODY(
                   "<string>Stra\xc3\x9f"
                   "e 1 \xe2\x80\x94 Z\xc3\xbcrich</string>"),
               "Stra\u00dfe 1 \u2014 Z\u00fcrich");
  assert_reads("<?xml version=\"1.0\" encoding=\"US-ASCII\"?>" RESPONSE_BODY(
                   "<string>&#195;&#159;</string>"),
               "\u00c3\xc2\x9f");
  assert_reads(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>" RESPONSE_BODY("<string>&#195;&#159;</string>"),
      "\u00c3\xc2\x9f");
  static const char bad[] =
      "<?xml version=\"1.0\" encoding=\"us-ascii\"?>" RESPONSE_BODY("<string>Stra\xdf"
                                                                    "e</string>");
  ck_assert_int_eq(custapi__xml_check(&check, bad, strlen(bad), CUSTAPI_XML_RESPONSE), -1);
  ck_assert_str_eq(check.message,
                   "not valid UTF-8 (a document declared US-ASCII is read as UTF-8)");
}
END_TEST

/* An answer in its caller's dialect: PHP's own writing for ISO-8859-1, read back as sent. */
START_TEST(answers_are_written_in_the_callers_dialect) {
  static const char utf8[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n" RESPONSE_BODY(
      "<string>Stra\xc3\x9f"
      "e 1 \xe2\x80\x94 Z\xc3\xbcrich &amp; \xc3\xa9</string>");
  for (int d = CUSTAPI_XML_UTF8; d <= CUSTAPI_XML_LATIN1; d++) {
    size_t len = strlen(utf8);
    char *doc = strdup(utf8);
    ck_assert_int_eq(custapi__xml_write_dialect(&doc, &len, (custapi_xml_encoding)d), 0);
    ck_assert_uint_eq(strlen(doc), len);
    if (d == CUSTAPI_XML_LATIN1) {
      ck_assert_str_eq(doc, LATIN1_DECL "\r\n" RESPONSE_BODY(
                                "<string>Stra&#195;&#159;e 1 &#226;&#128;&#148; Z&#195;&#188;rich "
                                "&amp; &#195;&#169;</string>"));
    } else {
      ck_assert_str_eq(doc, utf8); /* UTF-8 for everyone else */
    }
    assert_reads(doc, "Stra\u00dfe 1 \u2014 Z\u00fcrich & \u00e9");
    free(doc);
  }
}
END_TEST

static Suite *xml_check_suite(void) {
  Suite *s = suite_create("xml_check");
  TCase *t = tcase_create("screen");
  tcase_set_timeout(t, 60);
  tcase_add_loop_test(t, accepts_xmlrpc, 0, 3);
  tcase_add_loop_test(t, accepts_a_call_as_a_call_only, 0, 3);
  tcase_add_test(t, refuses_other_encodings_and_declarations);
  tcase_add_loop_test(t, refuses_bad_characters_and_references, 0, 3);
  tcase_add_loop_test(t, refuses_what_is_not_the_xmlrpc_grammar, 0, 3);
  tcase_add_loop_test(t, integers_at_their_edges, 0, 3);
  tcase_add_loop_test(t, other_typed_values_at_their_edges, 0, 3);
  tcase_add_loop_test(t, double_finite_up_to_308_digits, 0, 3);
  tcase_add_loop_test(t, a_value_problem_names_its_member, 0, 3);
  tcase_add_test(t, reports_members_and_cr_references);
  tcase_add_loop_test(t, depth_limit, 0, 3);
  tcase_add_loop_test(t, element_limit, 0, 3);
  tcase_add_loop_test(t, the_reproductions, 0, 3);
  suite_add_tcase(s, t);
  t = tcase_create("encodings");
  tcase_add_test(t, each_encoding_is_declared_in_any_case_and_either_quote);
  tcase_add_test(t, latin1_strings_are_read_as_php_means_them);
  tcase_add_test(t, us_ascii_and_utf8_are_read_as_utf8);
  tcase_add_test(t, answers_are_written_in_the_callers_dialect);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  SRunner *r = srunner_create(xml_check_suite());
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
