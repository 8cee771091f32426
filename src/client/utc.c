/* The time of a call as every results file writes it: one format for compare, bulk and the
 * gateway's --shadow report, so that custapi report can order them against each other. */
#include "utc.h"

#include <stdio.h>
#include <time.h>

const char *custapi__utc_at(char *buf, size_t size, long ms_ago) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  long long ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - (ms_ago > 0 ? ms_ago : 0);
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char whole[24];
  strftime(whole, sizeof whole, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf, size, "%s.%03dZ", whole, (int)(ms % 1000));
  return buf;
}
