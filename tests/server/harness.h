/*
 * Starting and stopping custapi-refserver from a test (hiredis starts its server on a random
 * port from the test script; this does the same from C). Use it from Check's unchecked fixture,
 * which runs once per test case in the parent process:
 *
 *   static refserver *rs;
 *   static void up(void) { rs = refserver_start(NULL); }
 *   static void down(void) { refserver_stop(rs); rs = NULL; }
 *   ...
 *   tcase_add_unchecked_fixture(tc, up, down);
 *   (a test that finds rs == NULL skips: the fixture printed why)
 *
 * Environment: CUSTAPI_REFSERVER (the server's path; else the build's own), and
 * CUSTAPI_REFSERVER_WRAPPER (e.g. "valgrind --leak-check=full --error-exitcode=99": the server
 * runs under it, with longer waits).
 */
#ifndef REFSERVER_HARNESS_H
#define REFSERVER_HARNESS_H

#include <stddef.h>

typedef struct refserver refserver;

/* Starts custapi-refserver (path from env CUSTAPI_REFSERVER, else a compiled-in build path)
 * on 127.0.0.1 port 0 with a fresh temporary SQLite file, user "demo" and key
 * REFSERVER_TEST_KEY (passed through the environment, never argv), a capture file, --quiet,
 * --faults-allowed, plus `extra_args` (NULL-terminated, may be NULL). Waits (<= 10 s) for the
 * port file. Returns NULL after printing why on stderr if it cannot start. */
refserver *refserver_start(const char *const *extra_args);
const char *refserver_url(const refserver *rs); /* "http://127.0.0.1:PORT" */
const char *refserver_capture_path(const refserver *rs);
size_t refserver_request_count(const refserver *rs); /* lines in the capture file */
char *refserver_last_request(const refserver *rs);   /* last capture line, malloc'ed */
void refserver_stop(refserver *rs);                  /* SIGTERM, wait, remove temp files */
#define REFSERVER_TEST_USER "demo"
#define REFSERVER_TEST_KEY "test-key-7f3a9c2e51b8d046"

/* Stops the server (keeping the database and capture files) and starts it again on a new
 * port with the same arguments: for persistence tests. Call it from the process that started
 * the server (in Check's fork mode, start the server inside the test, not in a fixture: a
 * server started by a test child is stopped when that child exits). Returns 0, or -1 after printing
 * why (the server is then stopped; refserver_stop still cleans up). */
int refserver_restart(refserver *rs);

/* The port the server listens on now. */
unsigned refserver_port(const refserver *rs);

/* The SQLite file of this server. */
const char *refserver_db_path(const refserver *rs);

/* As refserver_stop, returning how the server ended: 0 for a clean exit after SIGTERM (under a
 * valgrind wrapper with --error-exitcode, a leak or error shows here), else the exit status,
 * or 128 + signal when it was killed. Accepts NULL (returns 0). */
int refserver_stop_status(refserver *rs);

/* A self-signed certificate for 127.0.0.1 (and its key), made by openssl at test time in a
 * temporary folder: never committed. */
typedef struct refserver_cert {
  char dir[64];
  char cert[128]; /* PEM: give it to --tls-cert, and to the client as its CA */
  char key[128];
} refserver_cert;

/* 0, or -1 when openssl is missing or fails (the caller skips its TLS cases). */
int refserver_cert_make(refserver_cert *out);
void refserver_cert_remove(const refserver_cert *cert);

#endif
