#include "suggest.h"

#include <ctype.h>
#include <string.h>

/* Case-insensitive optimal string alignment distance (edits plus adjacent swaps). */
static size_t edit_distance(const char *a, const char *b) {
  enum { MAX = 64 };
  size_t la = strlen(a), lb = strlen(b);
  if (la >= MAX || lb >= MAX)
    return (size_t)-1;
  size_t d[MAX][MAX];
  for (size_t i = 0; i <= la; i++)
    d[i][0] = i;
  for (size_t j = 0; j <= lb; j++)
    d[0][j] = j;
  for (size_t i = 1; i <= la; i++) {
    for (size_t j = 1; j <= lb; j++) {
      int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
      size_t cost = ca == cb ? 0 : 1;
      size_t best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best)
        best = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < best)
        best = d[i - 1][j - 1] + cost;
      if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
          tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  }
  return d[la][lb];
}

const char *custapi__suggest(const char *word, custapi_name_at_fn name_at, size_t count,
                             const void *context) {
  const char *best = NULL;
  size_t best_distance = (size_t)-1;
  for (size_t i = 0; i < count; i++) {
    const char *name = name_at(i, context);
    if (!name)
      continue;
    size_t dist = edit_distance(word, name);
    if (dist < best_distance) {
      best_distance = dist;
      best = name;
    }
  }
  /* Close enough to be a typo: a third of the word's length, at least 2 edits. */
  size_t limit = strlen(word) / 3;
  if (limit < 2)
    limit = 2;
  return best_distance <= limit ? best : NULL;
}
