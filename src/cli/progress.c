#include "progress.h"

#include <string.h>

#define BAR_WIDTH 20

/* "m:ss" or "h:mm:ss". */
static void format_eta(char *buf, size_t size, long seconds) {
  if (seconds >= 3600)
    snprintf(buf, size, "%ld:%02ld:%02ld", seconds / 3600, seconds / 60 % 60, seconds % 60);
  else
    snprintf(buf, size, "%ld:%02ld", seconds / 60, seconds % 60);
}

void progress_format(char *buf, size_t size, long done, long total, long errors,
                     double rate_per_s) {
  char errs[48] = "";
  if (errors)
    snprintf(errs, sizeof errs, "  %ld error%s", errors, errors == 1 ? "" : "s");
  if (total < 0) {
    snprintf(buf, size, "%ld done  %.1f/s%s", done, rate_per_s, errs);
    return;
  }
  if (done > total)
    total = done; /* the count is a cheap estimate; never show more than 100% */
  int filled = total ? (int)((double)done / (double)total * BAR_WIDTH) : BAR_WIDTH;
  char bar[BAR_WIDTH + 1];
  for (int i = 0; i < BAR_WIDTH; i++)
    bar[i] = i < filled ? '#' : '-';
  bar[BAR_WIDTH] = '\0';
  int percent = total ? (int)(done * 100 / total) : 100;
  char eta[32] = "--:--";
  if (rate_per_s > 0)
    format_eta(eta, sizeof eta, (long)((double)(total - done) / rate_per_s + 0.5));
  snprintf(buf, size, "[%s] %ld/%ld %3d%%  %.1f/s%s  ETA %s", bar, done, total, percent, rate_per_s,
           errs, eta);
}

void progress_update(progress *p, uint64_t now_ms, long done, long errors, double rate_per_s,
                     int force) {
  if (!p->out || (!force && p->drawn && now_ms - p->last_ms < PROGRESS_INTERVAL_MS))
    return;
  char line[160];
  progress_format(line, sizeof line, done, p->total, errors, rate_per_s);
  /* \r back to the start, \033[K erases what a longer previous line left. */
  fprintf(p->out, "\r%s\033[K", line);
  fflush(p->out);
  p->last_ms = now_ms;
  p->drawn = 1;
}

void progress_clear(progress *p) {
  if (!p->out || !p->drawn)
    return;
  fputs("\r\033[K", p->out);
  fflush(p->out);
  p->drawn = 0;
}
