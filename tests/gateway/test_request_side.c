/*
 * The gateway's pure parts, on buffers with no network: the codecs' request side (a caller's
 * methodCall and PUT body into the model; the answers encoded back, and decoded again by the
 * client's own decoders so both sides agree) and the per-id line.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/rest/rest_request.h"
#include "../../src/xmlrpc/xmlrpc.h"
#include "alloc.h"
#include "codec.h"
#include "customer.h"
#include "gw_internal.h"

static const char *call_of(const char *method, const char *params) {
  static char buf[4096];
  snprintf(buf, sizeof buf,
           "<?xml version=\"1.0\"?><methodCall><methodName>%s</methodName><params>%s</params>"
           "</methodCall>",
           method, params);
  return buf;
}

#define ID_PARAM(n) "<param><value><int>" #n "</int></value></param>"

static int decode(custapi_xmlrpc_call *call, const char *xml, custapi_error *err) {
  return custapi__xmlrpc_decode_call(call, xml, strlen(xml), "customers.", 0, err);
}

START_TEST(update_call_typed_by_schema) {
  custapi_xmlrpc_call call;
  custapi_error err;
  const char *xml = call_of("customers.UpdateCustomer",
                            ID_PARAM(42) "<param><value><struct>"
                                         "<member><name>sms_quota</name><value><i4>5</i4></value>"
                                         "</member><member><name>email_quota</name><value>"
                                         "<string>7</string></value></member>"
                                         "<member><name>country</name><value>de</value></member>"
                                         "</struct></value></param>");
  ck_assert_int_eq(decode(&call, xml, &err), 0);
  ck_assert_int_eq(call.kind, CUSTAPI_XMLRPC_CALL_UPDATE);
  ck_assert_int_eq(call.id, 42);
  const custapi_field *f = custapi_customer_get(call.properties, "sms_quota");
  ck_assert_int_eq(f->type, CUSTAPI_VALUE_INTEGER);
  ck_assert_int_eq(f->integer, 5);
  /* A canonical decimal string is the integer, as PROP=VALUE is on the command line. */
  f = custapi_customer_get(call.properties, "email_quota");
  ck_assert_int_eq(f->type, CUSTAPI_VALUE_INTEGER);
  ck_assert_int_eq(f->integer, 7);
  /* An untyped value is a string; the country is normalised as update sends it. */
  ck_assert_str_eq(custapi_customer_get(call.properties, "country")->string, "DE");
  custapi__xmlrpc_call_clear(&call);
}
END_TEST

START_TEST(update_call_refusals_name_the_property) {
  static const struct {
    const char *params, *property, *needle;
  } cases[] = {
      {ID_PARAM(1) "<param><value><struct><member><name>emial</name><value>a@b.c</value>"
                   "</member></struct></value></param>",
       "emial", "email"},
      {ID_PARAM(1) "<param><value><struct><member><name>sms_quota</name><value><boolean>1"
                   "</boolean></value></member></struct></value></param>",
       "sms_quota", "<boolean>"},
      {ID_PARAM(1) "<param><value><struct><member><name>sms_quota</name><value><string>"
                   "2147483648</string></value></member></struct></value></param>",
       "sms_quota", "sms_quota"},
      {ID_PARAM(1) "<param><value><struct><member><name>name</name><value><int>5</int>"
                   "</value></member></struct></value></param>",
       "name", "name"},
      {ID_PARAM(0) "<param><value><struct></struct></value></param>", "id", "positive"},
      {"<param><value><string>1</string></value></param><param><value><struct></struct>"
       "</value></param>",
       "id", "<int>"},
      {ID_PARAM(1), "", "2 parameters"},
      {ID_PARAM(1) "<param><value><array><data></data></array></value></param>", "", "<struct>"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    custapi_xmlrpc_call call;
    custapi_error err = {0};
    ck_assert_int_eq(decode(&call, call_of("customers.UpdateCustomer", cases[i].params), &err),
                     CUSTAPI_EINVALID);
    ck_assert_msg(strcmp(err.property, cases[i].property) == 0, "case %zu: property '%s'", i,
                  err.property);
    ck_assert_msg(strstr(err.message, cases[i].needle), "case %zu: %s", i, err.message);
    custapi__xmlrpc_call_clear(&call);
  }
}
END_TEST

/* What xmlrpc-c would hide: a CR given as a reference (read back as LF) reaches the model as the
 * CR it is, so the validator refuses it as for `update`; a member given twice is refused. */
START_TEST(update_call_hides_nothing) {
  custapi_xmlrpc_call call;
  custapi_error err;
  const char *xml = call_of("customers.UpdateCustomer",
                            ID_PARAM(3) "<param><value><struct><member><name>address</name><value>"
                                        "<string>a&#xD;&#10;b&#13;c</string></value></member>"
                                        "</struct></value></param>");
  ck_assert_int_eq(decode(&call, xml, &err), 0);
  const custapi_field *f = custapi_customer_get(call.properties, "address");
  ck_assert_uint_eq(f->string_len, 5); /* xmlrpc-c made "a\nb\nc" of it: CR LF is one LF */
  ck_assert_int_eq(f->string[1], '\r');
  ck_assert_int_lt(custapi_validate(call.properties, CUSTAPI_VALIDATE_PARTIAL, 0, NULL, NULL, &err),
                   0);
  ck_assert_str_eq(err.property, "address");
  ck_assert_ptr_nonnull(strstr(err.message, "U+000D at byte 1 (CR is refused"));
  custapi__xmlrpc_call_clear(&call);

  xml = call_of("customers.UpdateCustomer",
                ID_PARAM(3) "<param><value><struct>"
                            "<member><name>sms_quota</name><value><int>1</int></value></member>"
                            "<member><name>name</name><value>x</value></member>"
                            "<member><name>sms_quota</name><value><int>2</int></value></member>"
                            "</struct></value></param>");
  ck_assert_int_eq(decode(&call, xml, &err), CUSTAPI_EINVALID);
  ck_assert_ptr_nonnull(strstr(err.message, "appears more than once"));
  custapi__xmlrpc_call_clear(&call);

  /* A plain LF, and a literal CR LF (XML reads it as LF), pass as they are. */
  xml = call_of("customers.UpdateCustomer",
                ID_PARAM(3) "<param><value><struct><member><name>address</name><value>"
                            "<string>a&#10;b\r\nc</string></value></member>"
                            "</struct></value></param>");
  ck_assert_int_eq(decode(&call, xml, &err), 0);
  ck_assert_str_eq(custapi_customer_get(call.properties, "address")->string, "a\nb\nc");
  custapi__xmlrpc_call_clear(&call);
}
END_TEST

START_TEST(other_calls_and_malformed_input) {
  custapi_xmlrpc_call call;
  custapi_error err;
  ck_assert_int_eq(decode(&call, call_of("customers.GetCustomer", ID_PARAM(9)), &err), 0);
  ck_assert_int_eq(call.kind, CUSTAPI_XMLRPC_CALL_GET);
  ck_assert_int_eq(call.id, 9);
  custapi__xmlrpc_call_clear(&call);
  ck_assert_int_eq(decode(&call, call_of("system.listMethods", ""), &err), 0);
  ck_assert_int_eq(call.kind, CUSTAPI_XMLRPC_CALL_LIST);
  custapi__xmlrpc_call_clear(&call);
  /* Another prefix's method is not ours to interpret. */
  ck_assert_int_eq(decode(&call, call_of("lists.UpdateCustomer", ID_PARAM(9)), &err), 0);
  ck_assert_int_eq(call.kind, CUSTAPI_XMLRPC_CALL_OTHER);
  ck_assert_str_eq(call.method, "lists.UpdateCustomer");
  custapi__xmlrpc_call_clear(&call);
  ck_assert_int_eq(decode(&call, "<methodCall><methodName>x", &err), CUSTAPI_EPROTOCOL);
  custapi__xmlrpc_call_clear(&call);
  ck_assert_int_eq(decode(&call, "", &err), CUSTAPI_EPROTOCOL);
  custapi__xmlrpc_call_clear(&call);
  ck_assert_int_eq(decode(&call,
                          "<?xml version=\"1.0\"?><!doctype m [<!ENTITY a \"b\">]><methodCall>"
                          "<methodName>system.listMethods</methodName></methodCall>",
                          &err),
                   CUSTAPI_EPROTOCOL);
  ck_assert_ptr_nonnull(strstr(err.message, "DOCTYPE"));
  custapi__xmlrpc_call_clear(&call);
  custapi__xmlrpc_call_clear(NULL);
}
END_TEST

/* What the gateway answers, read back by the client's own decoders. */
START_TEST(answers_decode_with_the_client) {
  custapi_error err;
  char *body;
  size_t len;
  custapi_http_response r = {0};
  r.status = 200;

  ck_assert_int_eq(custapi__xmlrpc_encode_int_response(&body, &len, 42, &err), 0);
  r.body = body;
  r.body_len = len;
  custapi_result *result;
  ck_assert_int_eq(GW_DECODE_UPDATE(GW_XMLRPC, &result, &r, 0, NULL, &err), 0);
  int64_t v;
  ck_assert(custapi_result_value(&v, result));
  ck_assert_int_eq(v, 42);
  custapi_result_free(result);
  custapi__free(body);

  custapi_customer *c;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  ck_assert_int_eq(custapi_customer_set(c, "address", "1 Road\n2 Town", &err), 0);
  ck_assert_int_eq(custapi_customer_set(c, "sms_quota", "3", &err), 0);
  ck_assert_int_eq(custapi__customer_put_null(c, "fax"), 0);
  ck_assert_int_eq(custapi__xmlrpc_encode_struct_response(&body, &len, c, &err), 0);
  r.body = body;
  r.body_len = len;
  custapi_customer *back;
  ck_assert_int_eq(GW_DECODE_GET(GW_XMLRPC, &back, &r, NULL, &err), 0);
  ck_assert_str_eq(custapi_customer_get(back, "address")->string, "1 Road\n2 Town");
  ck_assert_int_eq(custapi_customer_get(back, "sms_quota")->integer, 3);
  ck_assert_str_eq(custapi_customer_get(back, "fax")->string, ""); /* no null in XML-RPC */
  custapi_customer_free(back);
  custapi__free(body);

  ck_assert_int_eq(custapi__rest_encode_envelope(&body, &len, 7, c, &err), 0);
  r.body = body;
  r.body_len = len;
  ck_assert_int_eq(GW_DECODE_GET(GW_REST, &back, &r, NULL, &err), 0);
  ck_assert_int_eq(custapi_customer_get(back, "sms_quota")->integer, 3);
  custapi_customer_free(back);
  custapi__free(body);
  custapi_customer_free(c);

  ck_assert_int_eq(custapi__xmlrpc_encode_fault(&body, &len, 422, "email: bad", &err), 0);
  r.body = body;
  r.body_len = len;
  ck_assert_int_eq(GW_DECODE_UPDATE(GW_XMLRPC, &result, &r, 0, NULL, &err), CUSTAPI_EREJECTED);
  ck_assert_int_eq(err.fault_code, 422);
  ck_assert_ptr_nonnull(strstr(err.message, "email: bad"));
  custapi__free(body);

  custapi_error e = {0};
  e.category = CUSTAPI_CATEGORY_INVALID;
  snprintf(e.property, sizeof e.property, "email");
  snprintf(e.message, sizeof e.message, "email: not a valid address");
  ck_assert_int_eq(custapi__rest_encode_error(&body, &len, &e), 0);
  r.status = 422;
  r.body = body;
  r.body_len = len;
  ck_assert_int_eq(GW_DECODE_UPDATE(GW_REST, &result, &r, 0, NULL, &err), CUSTAPI_EREJECTED);
  ck_assert_ptr_nonnull(strstr(err.message, "email: not a valid address"));
  custapi__free(body);
}
END_TEST

START_TEST(rest_paths_and_bodies) {
  int32_t id = 0;
  ck_assert_int_eq(custapi__rest_customer_path(&id, "/api/2.0/customers/42"), 1);
  ck_assert_int_eq(id, 42);
  ck_assert_int_eq(custapi__rest_customer_path(&id, "/api/2.0/customers/2147483647"), 1);
  ck_assert_int_eq(custapi__rest_customer_path(&id, "/api/2.0/customers/2147483648"), -1);
  ck_assert_int_eq(custapi__rest_customer_path(&id, "/api/2.0/customers/042"), -1);
  ck_assert_int_eq(custapi__rest_customer_path(&id, "/api/2.0/customers/0"), -1);
  ck_assert_int_eq(custapi__rest_customer_path(&id, "/api/2.0/customers/-1"), -1);
  ck_assert_int_eq(custapi__rest_customer_path(&id, "/api/2.0/customers/1/x"), -1);
  ck_assert_int_eq(custapi__rest_customer_path(&id, "/api/2.0/customers/"), -1);
  ck_assert_int_eq(custapi__rest_customer_path(&id, "/api/2.0/"), 0);

  custapi_customer *c;
  custapi_error err;
  const char *ok = "{\"sms_quota\":5,\"country\":\"za\"}";
  ck_assert_int_eq(custapi__rest_decode_update_request(&c, ok, strlen(ok), 0, &err), 0);
  ck_assert_int_eq(custapi_customer_get(c, "sms_quota")->integer, 5);
  ck_assert_str_eq(custapi_customer_get(c, "country")->string, "ZA");
  custapi_customer_free(c);
  static const char *const bad[] = {"",
                                    "[]",
                                    "{\"sms_quota\":5.0}",
                                    "{\"x\":1}",
                                    "\xef\xbb\xbf{}",
                                    "{\"name\":\"a\"} x",
                                    "{'name':'a'}"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_int_eq(custapi__rest_decode_update_request(&c, bad[i], strlen(bad[i]), 0, &err),
                     CUSTAPI_EINVALID);
    ck_assert_ptr_null(c);
  }
}
END_TEST

/* ---- the per-id line ---- */

typedef struct place {
  gw_turn turn; /* first */
  int me;
  int *log, *count;
} place;

static void ran(gw_turn *turn) {
  place *p = (place *)(void *)turn;
  p->log[(*p->count)++] = p->me;
}

START_TEST(one_id_runs_in_arrival_order) {
  gw_order *o;
  ck_assert_int_eq(gw_order_new(&o), 0);
  enum { N = 8 };
  place ps[N];
  int log[N], count = 0;
  for (int i = 0; i < N; i++) {
    ps[i] = (place){{NULL, 5, ran}, i, log, &count};
    /* The first goes at once; every later one waits for the one before it. */
    ck_assert_int_eq(gw_order_enter(o, &ps[i].turn), i == 0 ? 1 : 0);
  }
  ran(&ps[0].turn);
  /* Another id does not wait for this one's line. */
  place other = {{NULL, 6, ran}, 99, log, &count};
  ck_assert_int_eq(gw_order_enter(o, &other.turn), 1);
  for (int i = 0; i < N; i++) {
    ck_assert_int_eq(count, i + 1); /* the next runs only when this one is done */
    gw_order_done(o, 5);
  }
  gw_order_done(o, 6);
  for (int i = 0; i < N; i++)
    ck_assert_int_eq(log[i], i);
  /* The line is gone: the next place of id 5 goes at once. */
  place again = {{NULL, 5, ran}, 0, log, &count};
  ck_assert_int_eq(gw_order_enter(o, &again.turn), 1);
  gw_order_done(o, 5);
  gw_order_free(o);
}
END_TEST

/* A call as PHP's xmlrpc extension writes it (ISO-8859-1, byte references) or RPC::XML does
 * (US-ASCII declared, UTF-8 written): the door reads the application's text, and knows the
 * dialect to answer in, also when it refuses the call. */
START_TEST(calls_in_each_encoding_and_their_dialect) {
  static const char php[] =
      "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<methodCall>\n<methodName>customers."
      "UpdateCustomer</methodName>\n<params>\n <param>\n  <value>\n   <int>42</int>\n  </value>\n"
      " </param>\n <param>\n  <value>\n   <struct>\n    <member>\n     <name>address</name>\n"
      "     <value>\n      <string>Stra&#195;&#159;e 1 &#226;&#128;&#148; Z&#195;&#188;rich"
      "</string>\n     </value>\n    </member>\n   </struct>\n  </value>\n </param>\n</params>\n"
      "</methodCall>\n";
  static const char perl[] =
      "<?xml version=\"1.0\" encoding=\"us-ascii\"?><methodCall><methodName>customers."
      "UpdateCustomer</methodName><params><param><value><int>42</int></value></param><param>"
      "<value><struct><member><name>address</name><value><string>Stra\xc3\x9f"
      "e 1 \xe2\x80\x94 Z\xc3\xbcrich</string></value></member></struct></value></param>"
      "</params></methodCall>";
  static const struct {
    const char *xml;
    custapi_xml_encoding dialect;
  } calls[] = {{php, CUSTAPI_XML_LATIN1}, {perl, CUSTAPI_XML_US_ASCII}};
  for (size_t i = 0; i < 2; i++) {
    custapi_xmlrpc_call call;
    custapi_error err;
    ck_assert_int_eq(decode(&call, calls[i].xml, &err), 0);
    ck_assert_int_eq(call.dialect, calls[i].dialect);
    ck_assert_str_eq(custapi_customer_get(call.properties, "address")->string,
                     "Stra\xc3\x9f"
                     "e 1 \xe2\x80\x94 Z\xc3\xbcrich");
    custapi__xmlrpc_call_clear(&call);
  }
  custapi_xmlrpc_call call;
  custapi_error err;
  static const char refused[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><methodCall/>";
  ck_assert_int_eq(decode(&call, refused, &err), CUSTAPI_EPROTOCOL);
  ck_assert_int_eq(call.dialect, CUSTAPI_XML_LATIN1);
  custapi__xmlrpc_call_clear(&call);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("gateway request side");
  TCase *t = tcase_create("codecs");
  tcase_add_test(t, update_call_typed_by_schema);
  tcase_add_test(t, update_call_refusals_name_the_property);
  tcase_add_test(t, update_call_hides_nothing);
  tcase_add_test(t, other_calls_and_malformed_input);
  tcase_add_test(t, answers_decode_with_the_client);
  tcase_add_test(t, rest_paths_and_bodies);
  tcase_add_test(t, calls_in_each_encoding_and_their_dialect);
  suite_add_tcase(s, t);
  TCase *o = tcase_create("order");
  tcase_set_timeout(o, 30);
  tcase_add_test(o, one_id_runs_in_arrival_order);
  suite_add_tcase(s, o);
  return s;
}

int main(void) {
  SRunner *r = srunner_create(suite());
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
