#!/bin/sh
# Facts written once (issue 13, item 5), where behaviour alone can't show a second copy: each
# check names the one file allowed to hold the fact and fails, naming the copy, if another
# file under src/ holds it too. The behaviour of each fact is tested in
# tests/integration/test_facts.c and tests/unit/test_records.c; run by meson as unit/one_place.
set -u
src="$1/src"
status=0

# only_in PATTERN FILE WHAT: PATTERN (grep -E) may match in src/FILE only.
only_in() {
  found=$(grep -rnE --include='*.c' --include='*.h' -e "$1" "$src" | grep -v "^$src/$2:")
  if [ -n "$found" ]; then
    echo "FAIL: $3 is written outside src/$2:"
    echo "$found"
    status=1
  fi
}

only_in '"nothing to update' common/validate.c '"nothing to update"'
only_in 'not support fill-required' common/validate.c 'the fill-required refusal'
only_in "read-only field, can't be updated" common/schema.c 'the read-only refusal'
only_in ': unknown property' common/schema.c 'the unknown-name refusal'
only_in 'a customer id is|customer id from' common/intparse.c 'the id refusal'
only_in "\\[[a-z_]*len - 1\\] == '/'|\\[[a-z_]* - 1\\] == '/'" common/text.c 'trimming the base URL'
only_in 'define [A-Z_]*JSON_MAX_DEPTH' common/json_check.h 'the JSON depth limit'
only_in 'json_tokener_new\(\)' '-' 'a json-c tokener of its own default depth'
only_in '"jsonl"|"csv"' client/bulk.c 'an input format name'
only_in 'CUSTAPI_INPUT_(CSV|JSONL)' '-' 'a second input-format enum'
only_in '[{,] *cli_cmd_[a-z]+[},]' cli/options.c 'the command table'
# XML-RPC documents (issue 20): the client, the gateway and the reference server read them with
# custapi__xml_read, which alone calls the screen and knows the three encodings.
only_in 'custapi__xml_check\(&' xmlrpc/xml_encoding.c 'a reading of XML-RPC past custapi__xml_read'
found=$(grep -rnE -e 'custapi__xml_check\(&' "$1/tests/server")
if [ -n "$found" ]; then
  echo "FAIL: the reference server reads XML-RPC past custapi__xml_read:"
  echo "$found"
  status=1
fi
# Issue 21, item 7: paths, the read-back failure and the gateway's category table.
only_in '"/api/2\.0/customers/' rest/rest_request.h 'the customers path'
only_in '"/api/2\.0/xmlrpc' xmlrpc/xmlrpc.h 'the XML-RPC path'
only_in 'reading it back failed' common/error.c '"the update was applied, but reading it back failed"'
only_in 'case CUSTAPI_CATEGORY_NOT_FOUND' '-' 'a second category-to-status table'
# Every declaration of a header inside its guard: the last line of each is its #endif.
for h in $(find "$src" -name '*.h'); do
  last=$(grep -v '^[[:space:]]*$' "$h" | tail -n 1)
  case "$last" in
  '#endif'*) ;;
  *)
    echo "FAIL: $h has code after its guard's #endif: $last"
    status=1
    ;;
  esac
done
# Protocols (issue 13, item 1): named by their ops tables only; everything else parses and
# prints names with custapi_protocol_parse/custapi_protocol_name, and never compares them.
only_in 'str(n?case)?cmp\([^;]*"(rest|xmlrpc)"' '-' 'a comparison with a protocol name'
# The client layer reaches a codec through the table of backends (client/codec_table.c) only.
found=$(grep -rnE -e '#include "(\.\./(rest|xmlrpc)/)?(rest|xmlrpc)\.h"' "$src/client" "$src/common" |
  grep -v "^$src/client/codec_table.c:")
if [ -n "$found" ]; then
  echo "FAIL: a codec's header is included outside the table of backends (src/client/codec_table.c):"
  echo "$found"
  status=1
fi
# The API key file's rules (issue 23): the library reads it for the command and for Python
# (custapi_key_file_read); neither reads a key file of its own.
only_in 'readable by group or others|API key file %s (is empty|holds a NUL)' common/key_file.c \
  'a reading of the API key file'
found=$(grep -rnE -e 'readable by group|API key file %s|S_IRGRP|KEY_FILE_MAX *=' "$1/python")
if [ -n "$found" ]; then
  echo "FAIL: the Python binding reads an API key file of its own (use custapi_key_file_read):"
  echo "$found"
  status=1
fi

[ $status -eq 0 ] && echo "every fact is written once"
exit $status
