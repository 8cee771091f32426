#include "xml_check.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

#define XML_STRINGIFY_(x) #x
#define XML_STRINGIFY(x) XML_STRINGIFY_(x)

/* What an element is, for the grammar; several names can mean the same (i4 and int). */
typedef enum kind {
  K_METHOD_RESPONSE,
  K_METHOD_CALL,
  K_METHOD_NAME,
  K_PARAMS,
  K_PARAM,
  K_FAULT,
  K_VALUE,
  K_STRUCT,
  K_MEMBER,
  K_NAME,
  K_ARRAY,
  K_DATA,
  /* the types a <value> may hold, as xmlrpc-c names them */
  K_INT,
  K_I8,
  K_BOOLEAN,
  K_DOUBLE,
  K_STRING,
  K_DATETIME,
  K_BASE64,
  K_NIL
} kind;

static const struct element {
  const char *name;
  kind kind;
} element_table[] = {
    {"methodResponse", K_METHOD_RESPONSE},
    {"methodCall", K_METHOD_CALL},
    {"methodName", K_METHOD_NAME},
    {"params", K_PARAMS},
    {"param", K_PARAM},
    {"fault", K_FAULT},
    {"value", K_VALUE},
    {"struct", K_STRUCT},
    {"member", K_MEMBER},
    {"name", K_NAME},
    {"array", K_ARRAY},
    {"data", K_DATA},
    {"int", K_INT},
    {"i4", K_INT},
    {"i1", K_INT}, /* xmlrpc-c reads these as <int> too */
    {"i2", K_INT},
    {"ex:i1", K_INT},
    {"ex:i2", K_INT},
    {"i8", K_I8},
    {"ex:i8", K_I8},
    {"boolean", K_BOOLEAN},
    {"double", K_DOUBLE},
    {"string", K_STRING},
    {"dateTime.iso8601", K_DATETIME},
    {"base64", K_BASE64},
    {"nil", K_NIL},
    {"ex:nil", K_NIL},
};

/* Roles that matter for a <fault>: its struct must hold faultCode (int), faultString (string). */
enum role { R_NONE, R_FAULT_VALUE, R_FAULT_STRUCT, R_FAULT_MEMBER, R_FAULT_NAME, R_FAULT_MVALUE };

/* Children a frame has seen. */
enum seen {
  SEEN_CHILD = 1,  /* any element (value, param, fault, methodResponse) */
  SEEN_NAME = 2,   /* member: <name>; methodCall: <methodName> */
  SEEN_VALUE = 4,  /* member: <value>; methodCall: <params> */
  SEEN_STRUCT = 8, /* fault value: its child is a <struct> */
};

/* A member's value type, for the fault struct. */
enum vtype { V_NONE, V_INT, V_STRING, V_OTHER };

typedef struct frame {
  uint8_t element; /* index in element_table */
  uint8_t role;
  uint8_t seen;
  uint8_t match;             /* fault member: bit 1 its name may be faultCode, bit 2 faultString */
  uint8_t name_len;          /* fault member: its name's length so far, saturating */
  uint8_t vtype;             /* fault member: its value's type */
  size_t name_from, name_to; /* member: where its <name>'s text is, once the </name> is read */
} frame;

/* The typed value being read (leaf elements have no children: one at a time). */
typedef struct leaf {
  size_t n;     /* characters seen */
  uint64_t mag; /* integers: the magnitude so far */
  int overflow; /* integers: beyond 2^63; double: more integer digits than finite */
  int negative;
  int digits; /* digits seen (double: integer digits after leading zeros) */
  int any_digit;
  int dot;
  int pad;      /* base64: '=' seen */
  size_t quads; /* base64: data and pad characters, modulo 4 */
  char dt[24];  /* dateTime text */
  size_t bytes; /* the text's length so far in UTF-8 bytes */
} leaf;

typedef struct scanner {
  const unsigned char *start, *p, *end;
  custapi_xml_document doc;
  const char *problem;
  const char *element; /* the element a value problem is about */
  const char *member;  /* the name of the member whose value it is */
  size_t member_len;
  frame stack[CUSTAPI_XML_MAX_DEPTH];
  int depth;
  int root_done;
  size_t elements;
  int max_depth;
  size_t members;
  size_t cr_at, cr_byte;
  const char *cr_member;
  size_t cr_member_len;
  leaf leaf;
  int fault_code_ok, fault_string_ok, fault_code_seen, fault_string_seen;
  custapi_xml_encoding encoding;
} scanner;

#define ACCEPTED_ENCODINGS "only UTF-8, US-ASCII and ISO-8859-1 are accepted"

static const char nul_problem[] = "a NUL byte (UTF-16 or UTF-32 text? " ACCEPTED_ENCODINGS ")";

static int fail(scanner *s, const char *problem) {
  if (!s->problem)
    s->problem = s->p < s->end && *s->p == 0 ? nul_problem : problem;
  return -1;
}

/* A problem stated exactly (a NUL at s->p is what it is about). */
static int fail_exact(scanner *s, const char *problem) {
  if (!s->problem)
    s->problem = problem;
  return -1;
}

/* The raw name of the innermost member around the current element, if it has one yet. */
static void current_member(const scanner *s, const char **name, size_t *len) {
  for (int i = s->depth - 1; i >= 0; i--) {
    if (element_table[s->stack[i].element].kind == K_MEMBER) {
      if (s->stack[i].name_to > s->stack[i].name_from) {
        *name = (const char *)s->start + s->stack[i].name_from;
        *len = s->stack[i].name_to - s->stack[i].name_from;
      }
      return;
    }
  }
}

static int fail_value(scanner *s, const char *problem) {
  if (!s->problem) {
    s->element = element_table[s->stack[s->depth - 1].element].name;
    current_member(s, &s->member, &s->member_len);
  }
  return fail(s, problem);
}

static int is_space(unsigned c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static void skip_space(scanner *s) {
  while (s->p < s->end && is_space(*s->p))
    s->p++;
}

static int starts(const scanner *s, const char *word) {
  size_t n = strlen(word);
  return (size_t)(s->end - s->p) >= n && memcmp(s->p, word, n) == 0;
}

static int starts_nocase(const scanner *s, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(s->end - s->p) < n)
    return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned c = s->p[i];
    if (c >= 'A' && c <= 'Z')
      c += 'a' - 'A';
    if (c != (unsigned char)word[i])
      return 0;
  }
  return 1;
}

/* A character XML allows that xmlrpc-c can hold: no controls but TAB, LF, CR; at most U+FFFD. */
static int is_char(uint32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD);
}

/* One literal character at s->p, decoded into *cp and consumed. In ISO-8859-1 a byte is the
 * character of that number (U+0080-U+00FF are all characters XML allows). */
static int literal_char(scanner *s, uint32_t *cp) {
  unsigned c = *s->p;
  if (c < 0x80 || s->encoding == CUSTAPI_XML_LATIN1) {
    if (!is_char(c))
      return fail(s, "a control character XML does not allow");
    *cp = c;
    s->p++;
    return 0;
  }
  size_t n = custapi__text_decode(s->p, (size_t)(s->end - s->p), cp);
  if (n == 0)
    return fail(s, s->encoding == CUSTAPI_XML_US_ASCII
                       ? "not valid UTF-8 (a document declared US-ASCII is read as UTF-8)"
                       : "not valid UTF-8");
  if (!is_char(*cp))
    return fail(s, "a character beyond U+FFFD (xmlrpc-c cannot hold it)");
  s->p += n;
  return 0;
}

static int is_name_start(unsigned c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static int is_name_char(unsigned c) {
  return is_name_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* An ASCII name at s->p: its length (0 if there is none). */
static size_t name_length(const scanner *s) {
  const unsigned char *q = s->p;
  if (q >= s->end || !is_name_start(*q))
    return 0;
  while (q < s->end && is_name_char(*q))
    q++;
  return (size_t)(q - s->p);
}

/*
 * A reference at s->p ('&'), decoded into *cp: one of the five predefined entities or a
 * character reference naming a character is_char allows.
 */
size_t custapi__xml_predefined_entity(const char *text, size_t len, uint32_t *c) {
  static const struct {
    const char *text;
    char c;
  } predefined[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  for (size_t i = 0; i < sizeof predefined / sizeof predefined[0]; i++) {
    size_t n = strlen(predefined[i].text);
    if (len >= n && memcmp(text, predefined[i].text, n) == 0) {
      *c = (unsigned char)predefined[i].c;
      return n;
    }
  }
  return 0;
}

static int reference(scanner *s, uint32_t *cp) {
  size_t n = custapi__xml_predefined_entity((const char *)s->p, (size_t)(s->end - s->p), cp);
  if (n > 0) {
    s->p += n;
    return 0;
  }
  if (!starts(s, "&#")) {
    s->p++;
    return fail(s, "an entity reference other than &amp; &lt; &gt; &quot; &apos;");
  }
  s->p += 2;
  int hex = 0;
  if (s->p < s->end && *s->p == 'x') {
    hex = 1;
    s->p++;
  }
  uint32_t v = 0;
  int digits = 0;
  while (s->p < s->end && *s->p != ';') {
    unsigned c = *s->p, d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (hex && c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (hex && c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return fail(s, "a character reference that is not a number");
    v = v > 0x10FFFF ? v : v * (hex ? 16 : 10) + d; /* saturates past any character */
    digits++;
    s->p++;
  }
  if (s->p >= s->end || digits == 0)
    return fail(s, "a character reference that is not a number");
  s->p++; /* ; */
  if (!is_char(v)) {
    s->p--;
    return fail(s, v > 0xFFFD && v <= 0x10FFFF && v != 0xFFFE && v != 0xFFFF
                       ? "a character reference beyond U+FFFD (xmlrpc-c cannot hold it)"
                       : "a character reference to a character XML does not allow");
  }
  *cp = v;
  return 0;
}

/* ---------------------------------------------------------------------------------------
 * Typed values, one character at a time
 * ------------------------------------------------------------------------------------- */

static kind current_kind(const scanner *s) {
  return element_table[s->stack[s->depth - 1].element].kind;
}

static int integer_char(scanner *s, uint32_t c) {
  leaf *l = &s->leaf;
  if (l->n == 1 && (c == '+' || c == '-')) {
    l->negative = c == '-';
    return 0;
  }
  if (c < '0' || c > '9')
    return fail_value(s, "value is not a decimal integer");
  l->any_digit = 1;
  if (l->mag > (UINT64_MAX - 9) / 10)
    l->overflow = 1;
  else
    l->mag = l->mag * 10 + (c - '0');
  return 0;
}

static int integer_end(scanner *s, uint64_t max_positive) {
  leaf *l = &s->leaf;
  if (!l->any_digit)
    return fail_value(s, "value is not a decimal integer");
  if (l->overflow || l->mag > max_positive + (uint64_t)l->negative)
    return fail_value(s, "value out of range");
  return 0;
}

/* A double: the XML-RPC grammar [+-]digits[.digits], as xmlrpc-c reads it, and finite. */
static int double_char(scanner *s, uint32_t c) {
  leaf *l = &s->leaf;
  if (l->n == 1 && (c == '+' || c == '-'))
    return 0;
  if (c == '.' && !l->dot) {
    l->dot = 1;
    return 0;
  }
  if (c < '0' || c > '9')
    return fail_value(s, "value is not a number written [+-]digits[.digits]");
  l->any_digit = 1;
  /* 308 significant integer digits stay below DBL_MAX (1.8e308) */
  if (!l->dot && (l->digits > 0 || c != '0') && ++l->digits > 308)
    l->overflow = 1;
  return 0;
}

static int double_end(scanner *s) {
  if (!s->leaf.any_digit)
    return fail_value(s, "value is not a number written [+-]digits[.digits]");
  if (s->leaf.overflow)
    return fail_value(s, "value out of range");
  return 0;
}

static int boolean_char(scanner *s, uint32_t c) {
  if (s->leaf.n > 1 || (c != '0' && c != '1'))
    return fail_value(s, "value is not 0 or 1");
  return 0;
}

static int boolean_end(scanner *s) {
  return s->leaf.n == 1 ? 0 : fail_value(s, "value is not 0 or 1");
}

static int datetime_char(scanner *s, uint32_t c) {
  leaf *l = &s->leaf;
  if (l->n > sizeof l->dt || c > 0x7F)
    return fail_value(s, "value is not YYYYMMDDTHH:MM:SS");
  l->dt[l->n - 1] = (char)c;
  return 0;
}

static int two_digits(const char *t, int lo, int hi) {
  if (t[0] < '0' || t[0] > '9' || t[1] < '0' || t[1] > '9')
    return 0;
  int v = (t[0] - '0') * 10 + (t[1] - '0');
  return v >= lo && v <= hi;
}

/* YYYYMMDDTHH:MM:SS[.f{1,6}], the form every xmlrpc-c build reads, with fields in range. */
static int datetime_end(scanner *s) {
  const char *t = s->leaf.dt;
  size_t n = s->leaf.n;
  int ok = (n == 17 || (n >= 19 && n <= 24)) && two_digits(t, 0, 99) && two_digits(t + 2, 0, 99) &&
           two_digits(t + 4, 1, 12) && two_digits(t + 6, 1, 31) && t[8] == 'T' &&
           two_digits(t + 9, 0, 23) && t[11] == ':' && two_digits(t + 12, 0, 59) && t[14] == ':' &&
           two_digits(t + 15, 0, 59);
  if (ok && n > 17) {
    ok = t[17] == '.';
    for (size_t i = 18; ok && i < n; i++)
      ok = t[i] >= '0' && t[i] <= '9';
  }
  if (!ok)
    return fail_value(s, "value is not YYYYMMDDTHH:MM:SS with its fields in range");
  return 0;
}

static int base64_char(scanner *s, uint32_t c) {
  leaf *l = &s->leaf;
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
    return 0;
  if (c == '=') {
    if (++l->pad > 2)
      return fail_value(s, "value has bad base64 padding");
  } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             c == '+' || c == '/') {
    if (l->pad)
      return fail_value(s, "value has bad base64 padding");
  } else {
    return fail_value(s, "value has a character outside the base64 alphabet");
  }
  l->quads = (l->quads + 1) % 4;
  return 0;
}

static int base64_end(scanner *s) {
  return s->leaf.quads == 0 ? 0 : fail_value(s, "value has bad base64 padding");
}

/* A fault member's name, matched against faultCode and faultString as it comes. */
static void fault_name_char(frame *member, uint32_t c) {
  static const char code[] = "faultCode", string[] = "faultString";
  size_t i = member->name_len;
  if (i >= sizeof code - 1 || (uint32_t)(unsigned char)code[i] != c)
    member->match &= (uint8_t)~1u;
  if (i >= sizeof string - 1 || (uint32_t)(unsigned char)string[i] != c)
    member->match &= (uint8_t)~2u;
  if (member->name_len < 255)
    member->name_len++;
}

/* One character of text (decoded) inside the current element. */
static int text_char(scanner *s, uint32_t c) {
  if (s->depth == 0)
    return is_space(c) ? 0 : fail(s, "text outside the root element");
  frame *f = &s->stack[s->depth - 1];
  if (f->role == R_FAULT_NAME) {
    fault_name_char(&s->stack[s->depth - 2], c);
    return 0;
  }
  s->leaf.n++;
  s->leaf.bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  switch (current_kind(s)) {
  case K_INT:
  case K_I8:
    return integer_char(s, c);
  case K_DOUBLE:
    return double_char(s, c);
  case K_BOOLEAN:
    return boolean_char(s, c);
  case K_DATETIME:
    return datetime_char(s, c);
  case K_BASE64:
    return base64_char(s, c);
  default:
    return 0; /* strings, names, and text xmlrpc-c ignores between elements */
  }
}

static int leaf_end(scanner *s) {
  switch (current_kind(s)) {
  case K_INT:
    return integer_end(s, INT32_MAX);
  case K_I8:
    return integer_end(s, INT64_MAX);
  case K_DOUBLE:
    return double_end(s);
  case K_BOOLEAN:
    return boolean_end(s);
  case K_DATETIME:
    return datetime_end(s);
  case K_BASE64:
    return base64_end(s);
  default:
    return 0;
  }
}

/* ---------------------------------------------------------------------------------------
 * The grammar: which element may go where (xmlrpc-c's xmlrpc_parse.c and parse_value.c)
 * ------------------------------------------------------------------------------------- */

static int is_type(kind k) { return k >= K_INT; }

static int type_of(kind k) {
  if (k == K_INT)
    return V_INT;
  return k == K_STRING ? V_STRING : V_OTHER;
}

/* Whether `child` may open inside the current element; records it in the parent's frame. */
static int child_allowed(scanner *s, kind child, uint8_t *role) {
  *role = R_NONE;
  if (s->depth == 0) {
    if (s->root_done)
      return fail(s, "a second root element");
    kind root = s->doc == CUSTAPI_XML_RESPONSE ? K_METHOD_RESPONSE : K_METHOD_CALL;
    return child == root
               ? 0
               : fail(s, s->doc == CUSTAPI_XML_RESPONSE ? "the root element is not <methodResponse>"
                                                        : "the root element is not <methodCall>");
  }
  frame *parent = &s->stack[s->depth - 1];
  kind pk = element_table[parent->element].kind;
  uint8_t seen = parent->seen;
  switch (pk) {
  case K_METHOD_RESPONSE:
    if (seen || (child != K_PARAMS && child != K_FAULT))
      return fail(s, "<methodResponse> must hold one <params> or one <fault>");
    parent->seen = SEEN_CHILD;
    return 0;
  case K_METHOD_CALL:
    if (child == K_METHOD_NAME && !(seen & SEEN_NAME))
      parent->seen |= SEEN_NAME;
    else if (child == K_PARAMS && !(seen & SEEN_VALUE))
      parent->seen |= SEEN_VALUE;
    else
      return fail(s, "<methodCall> must hold one <methodName> and at most one <params>");
    return 0;
  case K_PARAMS:
    if (child != K_PARAM)
      return fail(s, "<params> may hold only <param>");
    if (s->doc == CUSTAPI_XML_RESPONSE && seen)
      return fail(s, "a response's <params> must hold exactly one <param>");
    parent->seen = SEEN_CHILD;
    return 0;
  case K_PARAM:
  case K_FAULT:
    if (seen || child != K_VALUE)
      return fail(s, pk == K_PARAM ? "<param> must hold one <value>"
                                   : "<fault> must hold one <value>");
    parent->seen = SEEN_CHILD;
    if (pk == K_FAULT)
      *role = R_FAULT_VALUE;
    return 0;
  case K_VALUE:
    if (seen || !(child == K_STRUCT || child == K_ARRAY || is_type(child)))
      return fail(s, "<value> must hold one type element (or only text)");
    parent->seen = SEEN_CHILD;
    if (parent->role == R_FAULT_VALUE && child == K_STRUCT) {
      parent->seen |= SEEN_STRUCT;
      *role = R_FAULT_STRUCT;
    }
    if (parent->role == R_FAULT_MVALUE)
      s->stack[s->depth - 2].vtype =
          (uint8_t)(child == K_STRUCT || child == K_ARRAY ? V_OTHER : type_of(child));
    return 0;
  case K_STRUCT:
    if (child != K_MEMBER)
      return fail(s, "<struct> may hold only <member>");
    if (parent->role == R_FAULT_STRUCT)
      *role = R_FAULT_MEMBER;
    return 0;
  case K_MEMBER:
    if (child == K_NAME && !(seen & SEEN_NAME))
      parent->seen |= SEEN_NAME;
    else if (child == K_VALUE && !(seen & SEEN_VALUE))
      parent->seen |= SEEN_VALUE;
    else
      return fail(s, "<member> must hold one <name> and one <value>");
    if (parent->role == R_FAULT_MEMBER)
      *role = child == K_NAME ? R_FAULT_NAME : R_FAULT_MVALUE;
    return 0;
  case K_ARRAY:
    if (seen || child != K_DATA)
      return fail(s, "<array> must hold one <data>");
    parent->seen = SEEN_CHILD;
    return 0;
  case K_DATA:
    return child == K_VALUE ? 0 : fail(s, "<data> may hold only <value>");
  default:
    return fail(s, "an element inside a name or a typed value");
  }
}

/* Whether the element closing now holds what it must. */
static int element_complete(scanner *s) {
  frame *f = &s->stack[s->depth - 1];
  switch (element_table[f->element].kind) {
  case K_METHOD_RESPONSE:
    return f->seen ? 0 : fail(s, "<methodResponse> must hold one <params> or one <fault>");
  case K_METHOD_CALL:
    return f->seen & SEEN_NAME ? 0 : fail(s, "<methodCall> must hold one <methodName>");
  case K_PARAMS:
    return s->doc == CUSTAPI_XML_CALL || f->seen
               ? 0
               : fail(s, "a response's <params> must hold exactly one <param>");
  case K_PARAM:
    return f->seen ? 0 : fail(s, "<param> must hold one <value>");
  case K_FAULT:
    if (!f->seen)
      return fail(s, "<fault> must hold one <value>");
    if (!s->fault_code_seen || !s->fault_code_ok)
      return fail(s, "a <fault> needs an integer faultCode");
    if (!s->fault_string_seen || !s->fault_string_ok)
      return fail(s, "a <fault> needs a string faultString");
    return 0;
  case K_VALUE:
    if (f->role == R_FAULT_VALUE && !(f->seen & SEEN_STRUCT))
      return fail(s, "a <fault>'s value must be a <struct>");
    if (f->role == R_FAULT_MVALUE && !f->seen)
      s->stack[s->depth - 2].vtype = V_STRING; /* only text: a string */
    return 0;
  case K_MEMBER:
    if ((f->seen & (SEEN_NAME | SEEN_VALUE)) != (SEEN_NAME | SEEN_VALUE))
      return fail(s, "<member> must hold one <name> and one <value>");
    if (f->role == R_FAULT_MEMBER) {
      /* the last member of a name wins, as in xmlrpc-c's struct */
      if ((f->match & 1) && f->name_len == 9) {
        s->fault_code_seen = 1;
        s->fault_code_ok = f->vtype == V_INT;
      }
      if ((f->match & 2) && f->name_len == 11) {
        s->fault_string_seen = 1;
        s->fault_string_ok = f->vtype == V_STRING;
      }
    }
    return 0;
  case K_ARRAY:
    return f->seen ? 0 : fail(s, "<array> must hold one <data>");
  default:
    return leaf_end(s);
  }
}

/* ---------------------------------------------------------------------------------------
 * Markup
 * ------------------------------------------------------------------------------------- */

/* A quoted attribute value at s->p: characters and references, no '<'. */
static int attribute_value(scanner *s) {
  if (s->p >= s->end || (*s->p != '"' && *s->p != '\''))
    return fail(s, "an attribute value must be quoted");
  unsigned char quote = *s->p++;
  for (;;) {
    if (s->p >= s->end)
      return fail(s, "the input ends inside an attribute value");
    if (*s->p == quote) {
      s->p++;
      return 0;
    }
    if (*s->p == '<')
      return fail(s, "a '<' inside an attribute value");
    uint32_t c;
    if ((*s->p == '&' ? reference(s, &c) : literal_char(s, &c)) < 0)
      return -1;
  }
}

static int end_element(scanner *s) {
  if (element_complete(s) < 0)
    return -1;
  s->depth--;
  if (s->depth == 0)
    s->root_done = 1;
  return 0;
}

/* A start tag at s->p ('<' then a name). */
static int start_tag(scanner *s) {
  s->p++;
  size_t n = name_length(s);
  const unsigned char *name = s->p;
  size_t which = sizeof element_table / sizeof element_table[0];
  for (size_t i = 0; i < sizeof element_table / sizeof element_table[0]; i++) {
    if (strlen(element_table[i].name) == n && memcmp(element_table[i].name, name, n) == 0) {
      which = i;
      break;
    }
  }
  if (n == 0 || which == sizeof element_table / sizeof element_table[0])
    return fail(s, "an element XML-RPC does not have");
  uint8_t role;
  if (child_allowed(s, element_table[which].kind, &role) < 0)
    return -1;
  if (s->depth >= CUSTAPI_XML_MAX_DEPTH)
    return fail(s, "elements nested too deeply");
  if (++s->elements > CUSTAPI_XML_MAX_ELEMENTS)
    return fail(s, "more than " XML_STRINGIFY(CUSTAPI_XML_MAX_ELEMENTS) " elements");
  s->p += n;

  /* attributes: ignored by xmlrpc-c, but they must be well-formed and distinct */
  const unsigned char *names[CUSTAPI_XML_MAX_ATTRIBUTES];
  size_t lens[CUSTAPI_XML_MAX_ATTRIBUTES];
  int count = 0;
  for (;;) {
    const unsigned char *before = s->p;
    skip_space(s);
    if (s->p >= s->end)
      return fail(s, "the input ends inside a tag");
    if (*s->p == '>' || starts(s, "/>"))
      break;
    size_t an = name_length(s);
    if (an == 0 || s->p == before)
      return fail(s, "a tag is not written as XML allows");
    if (count == CUSTAPI_XML_MAX_ATTRIBUTES)
      return fail(s, "too many attributes");
    for (int i = 0; i < count; i++)
      if (lens[i] == an && memcmp(names[i], s->p, an) == 0)
        return fail(s, "an attribute repeated");
    names[count] = s->p;
    lens[count++] = an;
    s->p += an;
    skip_space(s);
    if (s->p >= s->end || *s->p != '=')
      return fail(s, "an attribute without '='");
    s->p++;
    skip_space(s);
    if (attribute_value(s) < 0)
      return -1;
  }
  if (element_table[which].kind == K_MEMBER)
    s->members++;
  frame *f = &s->stack[s->depth++];
  *f = (frame){(uint8_t)which, role, 0, 3, 0, V_NONE, 0, 0};
  if (s->depth > s->max_depth)
    s->max_depth = s->depth;
  memset(&s->leaf, 0, sizeof s->leaf);
  if (*s->p == '>') {
    s->p++;
    if (element_table[which].kind == K_NAME && s->depth >= 2)
      s->stack[s->depth - 2].name_from = (size_t)(s->p - s->start);
    return 0;
  }
  s->p += 2; /* /> */
  return end_element(s);
}

static int end_tag(scanner *s) {
  size_t at = (size_t)(s->p - s->start);
  s->p += 2; /* </ */
  if (s->depth == 0)
    return fail(s, "an end tag without a start tag");
  if (current_kind(s) == K_NAME && s->depth >= 2)
    s->stack[s->depth - 2].name_to = at;
  const char *open = element_table[s->stack[s->depth - 1].element].name;
  size_t n = name_length(s);
  if (n != strlen(open) || memcmp(s->p, open, n) != 0)
    return fail(s, "an end tag does not match its start tag");
  s->p += n;
  skip_space(s);
  if (s->p >= s->end || *s->p != '>')
    return fail(s, "an end tag is not written as XML allows");
  s->p++;
  return end_element(s);
}

/* <!-- ... --> : no "--" inside. */
static int comment(scanner *s) {
  s->p += 4;
  for (;;) {
    if (s->p >= s->end)
      return fail(s, "the input ends inside a comment");
    if (starts(s, "--")) {
      if (!starts(s, "-->"))
        return fail(s, "\"--\" inside a comment");
      s->p += 3;
      return 0;
    }
    uint32_t c;
    if (literal_char(s, &c) < 0)
      return -1;
  }
}

/* <![CDATA[ ... ]]> : its characters are text, read literally. */
static int cdata(scanner *s) {
  if (s->depth == 0)
    return fail(s, "a CDATA section outside the root element");
  s->p += 9;
  for (;;) {
    if (s->p >= s->end)
      return fail(s, "the input ends inside a CDATA section");
    if (starts(s, "]]>")) {
      s->p += 3;
      return 0;
    }
    uint32_t c;
    const unsigned char *at = s->p;
    if (literal_char(s, &c) < 0)
      return -1;
    if (text_char(s, c) < 0) {
      s->p = at;
      return -1;
    }
  }
}

static int markup(scanner *s) {
  if (starts(s, "</"))
    return end_tag(s);
  if (starts(s, "<!--"))
    return comment(s);
  if (starts(s, "<![CDATA["))
    return cdata(s);
  if (starts_nocase(s, "<!doctype"))
    return fail(s, "a DOCTYPE (entity declarations are refused)");
  if (starts_nocase(s, "<!entity"))
    return fail(s, "an ENTITY declaration");
  if (starts(s, "<!"))
    return fail(s, "a markup declaration");
  if (starts(s, "<?"))
    return fail(s, "a processing instruction");
  if (s->root_done && s->depth == 0)
    return fail(s, "a second root element");
  return start_tag(s);
}

/* Character data up to the next '<'. */
static int text(scanner *s) {
  while (s->p < s->end && *s->p != '<') {
    uint32_t c;
    const unsigned char *at = s->p;
    if (*s->p == '&') {
      if (s->depth == 0)
        return fail(s, "text outside the root element");
      if (reference(s, &c) < 0)
        return -1;
      if (c == '\r' && !s->cr_at) {
        s->cr_at = (size_t)(at - s->start) + 1;
        s->cr_byte = s->leaf.bytes;
        current_member(s, &s->cr_member, &s->cr_member_len);
      }
    } else {
      if (*s->p == ']' && starts(s, "]]>"))
        return fail(s, "\"]]>\" in text");
      if (literal_char(s, &c) < 0)
        return -1;
    }
    if (text_char(s, c) < 0) {
      s->p = at;
      return -1;
    }
  }
  return 0;
}

/* pseudo-attribute Eq quoted-value of the XML declaration; the value's span in *v, *vlen. */
static int declaration_attribute(scanner *s, const char *name, const unsigned char **v,
                                 size_t *vlen) {
  if (!starts(s, name))
    return 0;
  s->p += strlen(name);
  skip_space(s);
  if (s->p >= s->end || *s->p != '=')
    return fail(s, "the XML declaration is not written as XML allows");
  s->p++;
  skip_space(s);
  if (s->p >= s->end || (*s->p != '"' && *s->p != '\''))
    return fail(s, "the XML declaration is not written as XML allows");
  unsigned char quote = *s->p++;
  *v = s->p;
  while (s->p < s->end && *s->p != quote && *s->p != '<' && *s->p != '>' && *s->p >= 0x20)
    s->p++;
  if (s->p >= s->end || *s->p != quote)
    return fail(s, "the XML declaration is not written as XML allows");
  *vlen = (size_t)(s->p - *v);
  s->p++;
  return 1;
}

static int value_is(const unsigned char *v, size_t n, const char *word, int nocase) {
  if (n != strlen(word))
    return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned c = v[i];
    if (nocase && c >= 'A' && c <= 'Z')
      c += 'a' - 'A';
    if (c != (unsigned char)word[i])
      return 0;
  }
  return 1;
}

/* The declared encoding, if it is one of the three accepted; -1 for any other. */
static int encoding_named(const unsigned char *v, size_t n) {
  if (value_is(v, n, "utf-8", 1))
    return CUSTAPI_XML_UTF8;
  if (value_is(v, n, "us-ascii", 1))
    return CUSTAPI_XML_US_ASCII;
  if (value_is(v, n, "iso-8859-1", 1))
    return CUSTAPI_XML_LATIN1;
  return -1;
}

/* <?xml version="1.0" [encoding="UTF-8"] [standalone="yes"|"no"] ?>, after_bom: whether a
 * UTF-8 byte-order mark came first (then only UTF-8 may be declared, as XML requires). */
static int xml_declaration(scanner *s, int after_bom) {
  s->p += 5;
  const unsigned char *v;
  size_t n;
  const unsigned char *before = s->p;
  skip_space(s);
  int r = s->p > before ? declaration_attribute(s, "version", &v, &n) : 0;
  if (r <= 0)
    return r < 0 ? -1 : fail(s, "the XML declaration is not written as XML allows");
  if (!value_is(v, n, "1.0", 0))
    return fail(s, "an XML version other than 1.0");
  before = s->p;
  skip_space(s);
  if (s->p > before && (r = declaration_attribute(s, "encoding", &v, &n)) != 0) {
    if (r < 0)
      return -1;
    int e = encoding_named(v, n);
    if (e < 0)
      return fail(s, "an encoding other than UTF-8, US-ASCII or ISO-8859-1");
    if (after_bom && e != CUSTAPI_XML_UTF8)
      return fail(s, "a UTF-8 byte-order mark before another declared encoding");
    s->encoding = (custapi_xml_encoding)e;
    before = s->p;
    skip_space(s);
  }
  if (s->p > before && (r = declaration_attribute(s, "standalone", &v, &n)) != 0) {
    if (r < 0)
      return -1;
    if (!value_is(v, n, "yes", 0) && !value_is(v, n, "no", 0))
      return fail(s, "the XML declaration is not written as XML allows");
    skip_space(s);
  }
  if (!starts(s, "?>"))
    return fail(s, "the XML declaration is not written as XML allows");
  s->p += 2;
  return 0;
}

/* Byte-order marks and the encodings they announce: only UTF-8's is accepted. */
static int byte_order_mark(scanner *s) {
  size_t n = (size_t)(s->end - s->p);
  const unsigned char *b = s->p;
  if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
    s->p += 3;
    return 0;
  }
  if ((n >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF) ||
      (n >= 4 && b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0))
    return fail_exact(s, "a UTF-32 byte-order mark (" ACCEPTED_ENCODINGS ")");
  if (n >= 2 && ((b[0] == 0xFE && b[1] == 0xFF) || (b[0] == 0xFF && b[1] == 0xFE)))
    return fail_exact(s, "a UTF-16 byte-order mark (" ACCEPTED_ENCODINGS ")");
  if (n >= 2 && (b[0] == 0 || b[1] == 0))
    return fail_exact(s, "UTF-16 or UTF-32 text (" ACCEPTED_ENCODINGS ")");
  return 0;
}

int custapi__xml_check(custapi_xml_check *out, const char *text_in, size_t len,
                       custapi_xml_document doc) {
  memset(out, 0, sizeof *out);
  scanner *s = &(scanner){0};
  s->start = s->p = (const unsigned char *)text_in;
  s->end = s->start + len;
  s->doc = doc;
  int rc = byte_order_mark(s);
  out->start = (size_t)(s->p - s->start);
  if (rc == 0 && starts(s, "<?xml") && (s->end - s->p == 5 || is_space(s->p[5]))) {
    rc = xml_declaration(s, out->start > 0);
    if (rc == 0 && s->encoding == CUSTAPI_XML_US_ASCII)
      out->start = (size_t)(s->p - s->start); /* its text is UTF-8: expat's default */
  }
  out->encoding = s->encoding;
  while (rc == 0 && s->p < s->end)
    rc = *s->p == '<' ? markup(s) : text(s);
  if (rc == 0 && !s->root_done)
    rc = fail(s, s->depth ? "the input ends inside an element" : "no root element");
  out->elements = s->elements;
  out->max_depth = s->max_depth;
  out->members = s->members;
  out->cr_at = s->cr_at;
  out->cr_byte = s->cr_byte;
  out->cr_member = s->cr_member;
  out->cr_member_len = s->cr_member_len;
  if (rc < 0) {
    out->offset = (size_t)(s->p - s->start);
    out->problem = s->problem;
    out->element = s->element;
    out->member = s->member;
    out->member_len = s->member_len;
    if (s->element)
      snprintf(out->message, sizeof out->message, "<%s> %s", s->element, s->problem);
    else
      snprintf(out->message, sizeof out->message, "%s", s->problem);
    return -1;
  }
  return 0;
}
