#!/usr/bin/env python3
"""Writes the C source of custapi._native, cffi's API mode: `build_ffi.py OUT.c`.

Only the declarations below cross into Python. cffi checks each against custapi.h when the
generated file is compiled (the `...` members are laid out by the compiler, not guessed), so
the binding can't drift from the header unnoticed. Run by meson at build time; nothing here
imports setuptools.
"""
import os
import re
import sys

import cffi

CDEF = r"""
typedef enum custapi_category {
  CUSTAPI_CATEGORY_OK, CUSTAPI_CATEGORY_DIFFER, CUSTAPI_CATEGORY_USAGE,
  CUSTAPI_CATEGORY_INVALID, CUSTAPI_CATEGORY_AUTH, CUSTAPI_CATEGORY_NOT_FOUND,
  CUSTAPI_CATEGORY_REJECTED, CUSTAPI_CATEGORY_TRANSPORT, CUSTAPI_CATEGORY_SERVER,
  CUSTAPI_CATEGORY_PROTOCOL, CUSTAPI_CATEGORY_PARTIAL, CUSTAPI_CATEGORY_INTERNAL, ...
} custapi_category;

#define CUSTAPI_ERROR_VERSION ...
typedef struct custapi_error {
  unsigned int version;
  custapi_category category;
  int http_status;
  int has_fault_code;
  int fault_code;
  char property[...];
  char message[...];
} custapi_error;

const char *custapi_category_name(custapi_category category);
const char *custapi_version(void);
int custapi_global_init(void);

typedef enum custapi_type { CUSTAPI_TYPE_STRING, CUSTAPI_TYPE_INTEGER, ... } custapi_type;
typedef struct custapi_property_info {
  const char *name;
  custapi_type type;
  int required;
  const char *rule;
  const char *description;
  ...;
} custapi_property_info;
size_t custapi_schema_count(void);
const custapi_property_info *custapi_schema_at(size_t index);
const char *const *custapi_schema_values(const char *name);
size_t custapi_schema_max_bytes(const char *name);

typedef struct custapi_customer custapi_customer;
#define CUSTAPI_CUSTOMER_ALLOW_UNKNOWN ...
#define CUSTAPI_CUSTOMER_IGNORE_READ_ONLY ...
int custapi_customer_new(custapi_customer **out, unsigned flags);
void custapi_customer_free(custapi_customer *customer);
int custapi_customer_set_json(custapi_customer *customer, const char *json, size_t len,
                              custapi_error *err);
int custapi_customer_to_json(char **out, const custapi_customer *customer);
void custapi_free(void *ptr);

typedef enum custapi_validate_mode {
  CUSTAPI_VALIDATE_PARTIAL, CUSTAPI_VALIDATE_STRICT, CUSTAPI_VALIDATE_FILL_REQUIRED, ...
} custapi_validate_mode;
#define CUSTAPI_VALIDATE_LENIENT ...
typedef void (*custapi_warn_fn)(const char *property, const char *message, void *payload);
int custapi_validate(const custapi_customer *customer, custapi_validate_mode mode,
                     unsigned flags, custapi_warn_fn warn, void *payload, custapi_error *err);
int custapi_id_valid(int64_t id);
int custapi_validate_mode_as_given(custapi_validate_mode mode, const char *who, custapi_error *err);
int custapi_id_parse(int32_t *out, const char *text, custapi_error *err);

typedef struct custapi_client custapi_client;
typedef struct custapi_result custapi_result;
typedef enum custapi_protocol { CUSTAPI_PROTOCOL_REST, CUSTAPI_PROTOCOL_XMLRPC, ... }
    custapi_protocol;
typedef ... *custapi_trace_fn;
int custapi_protocol_parse(custapi_protocol *out, const char *name);
const char *custapi_protocol_name(custapi_protocol protocol);
typedef struct custapi_options {
  unsigned int version;
  const char *base_url;
  custapi_protocol protocol;
  const char *username;
  const char *api_key;
  const char *xmlrpc_prefix;
  long timeout_ms;
  long connect_timeout_ms;
  int retries;
  const char *cacert;
  int insecure;
  const char *proxy;
  size_t max_response_bytes;
  int allow_plain_http;
  unsigned validate_flags;
  custapi_warn_fn warn;
  void *warn_payload;
  ...;
} custapi_options;
#define CUSTAPI_OPTIONS_VERSION ...

int custapi_client_new(custapi_client **out, const custapi_options *options,
                       custapi_error *err);
void custapi_client_free(custapi_client *client);
const custapi_error *custapi_client_last_error(const custapi_client *client);
int custapi_error_copy(custapi_error *dst, const custapi_error *src);
int custapi_update(custapi_result **out, custapi_client *client, int32_t id,
                   const custapi_customer *properties, custapi_validate_mode mode);
int custapi_get(custapi_result **out, custapi_client *client, int32_t id);
void custapi_result_free(custapi_result *result);
int custapi_result_to_json(char **out, const custapi_result *result);

typedef struct custapi_compare custapi_compare;
int custapi_compare_run(custapi_compare **out, custapi_client *rest, custapi_client *xmlrpc,
                        int32_t id, const custapi_customer *properties,
                        custapi_validate_mode mode, custapi_error *err);
void custapi_compare_free(custapi_compare *compare);
int custapi_compare_to_json(char **out, const custapi_compare *compare);

typedef enum custapi_bulk_format { CUSTAPI_BULK_JSONL, CUSTAPI_BULK_CSV, ... }
    custapi_bulk_format;
typedef struct custapi_bulk_input custapi_bulk_input;
int custapi_bulk_format_parse(custapi_bulk_format *out, const char *name, custapi_error *err);
int custapi_bulk_input_open(custapi_bulk_input **out, const char *path,
                            const custapi_bulk_format *format, custapi_error *err);
void custapi_bulk_input_free(custapi_bulk_input *input);
#define CUSTAPI_BULK_CONCURRENCY_MAX ...

#define CUSTAPI_KEY_FILE_MAX ...
int custapi_key_file_read(char **out, const char *path, custapi_warn_fn warn, void *payload,
                          custapi_error *err);
void custapi_key_free(char *key);

extern "Python" void custapi_py_warn(const char *property, const char *message, void *payload);
extern "Python" void custapi_py_key_warn(const char *property, const char *message,
                                         void *payload);
"""

SOURCE = r"""
#include <custapi/custapi.h>
#include "bulk_queue.h"
"""


def bulk_queue_cdef() -> str:
    """bulk_queue.h's declarations, read from the header itself rather than copied: its
    preprocessor lines dropped (cffi takes no #include or #ifndef), its defines as `...`."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "bulk_queue.h")) as f:
        text = f.read()
    defines = re.findall(r"^#define (CUSTAPI_PY_\w+) ", text, re.M)
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return body + "".join("\n#define %s ..." % name for name in defines)


def main() -> None:
    ffi = cffi.FFI()
    ffi.cdef(CDEF + bulk_queue_cdef())
    ffi.set_source("custapi._native", SOURCE)
    ffi.emit_c_code(sys.argv[1])


if __name__ == "__main__":
    main()
