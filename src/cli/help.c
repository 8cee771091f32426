#include "help.h"

#include "custapi/custapi.h"
#include "schema.h"

static const char usage_text[] =
    "usage:\n"
    "  custapi [OPTIONS] update   --id N [PROP=VALUE ...] [--json FILE|-]\n"
    "  custapi [OPTIONS] get      --id N\n"
    "  custapi [OPTIONS] validate [PROP=VALUE ...] [--json FILE|-]\n"
    "  custapi [OPTIONS] compare  --id N --yes [PROP=VALUE ...] [--json FILE|-]\n"
    "  custapi [OPTIONS] bulk     --input FILE|- [--format jsonl|csv] [--concurrency N]\n"
    "                             [--results FILE [--resume]]\n"
    "  custapi [OPTIONS] probe\n"
    "  custapi [OPTIONS] gateway  --listen HOST:PORT [--port-file FILE] [--upstream same|rest|xmlrpc]\n"
    "                             [--record FILE] [--shadow --report FILE]\n"
    "\n"
    "Options may stand before or after the command name.\n"
    "\n"
    "connection:\n"
    "  --url URL               the install's base address (CUSTAPI_URL)\n"
    "  --protocol rest|xmlrpc  default rest (CUSTAPI_PROTOCOL)\n"
    "  --username NAME         (CUSTAPI_USERNAME)\n"
    "  --api-key-file FILE     the API key (else CUSTAPI_API_KEY); never on the command line\n"
    "  --xmlrpc-prefix P       method prefix, default 'customers.'; '' for bare names\n"
    "  --timeout SECONDS       per attempt, default 30\n"
    "  --retries N             default 3\n"
    "  --cacert FILE           trust these certificates\n"
    "  --insecure              do not verify TLS certificates\n"
    "  --proxy URL             proxy (else libcurl's *_proxy variables); loopback never proxied\n"
    "  --allow-plain-http      permit credentials over http:// to a host that is not loopback\n"
    "\n"
    "validation:\n"
    "  --partial               check and send only the given properties (default)\n"
    "  --strict                name, email and hash must be present\n"
    "  --fill-required         read the customer first and fill missing required properties\n"
    "  --lenient               format rules (email, telephone, URL, country) only warn\n"
    "  --allow-unknown         send unknown properties as strings\n"
    "  --ignore-read-only      drop read-only fields (id, enterprise_id, ...) from the input\n"
    "  --list-properties       list the properties and their rules\n"
    "\n"
    "bulk:\n"
    "  --input FILE|-          JSON Lines, or CSV for a .csv name; - for standard input\n"
    "  --format jsonl|csv      the input's format, whatever its name\n"
    "  --concurrency N         updates in flight at once, 1 to 256, default 8\n"
    "  --results FILE          one JSON line per record, after a line fingerprinting the input\n"
    "  --resume                finish the run recorded in --results: skip what succeeded\n"
    "\n"
    "gateway (docs/gateway.md):\n"
    "  --listen HOST:PORT      where callers connect; port 0 picks a free one\n"
    "  --port-file FILE        the port, written once listening\n"
    "  --upstream MODE         same (default): each call over its own protocol; rest or\n"
    "                          xmlrpc: every update and read over that protocol\n"
    "  --record FILE           each forwarded update as a bulk line (file 0600)\n"
    "  --shadow --report FILE  read each update back over both protocols; differences to FILE\n"
    "  --allow-remote          listen on an address that is not loopback\n"
    "  --tls-cert F --tls-key F  serve HTTPS\n"
    "  --max-connections N, --caller-timeout SECONDS, --max-body BYTES  (256, 30, 1048576)\n"
    "\n"
    "output:\n"
    "  --output json|text      stdout format, default json\n"
    "  --dry-run               print the exact request (credentials redacted), send nothing\n"
    "  -v, --verbose           each request and response on stderr (credentials redacted)\n"
    "  --read-back             after an XML-RPC update, read the customer back\n"
    "  -h, --help              this text;  --version  the version\n"
    "\n"
    "exit codes: 0 ok, 1 differ, 2 usage, 3 invalid, 4 auth, 5 not_found, 6 rejected,\n"
    "            7 transport, 8 server, 9 protocol, 10 partial, 11 internal\n";

void cli_print_help(FILE *out, const char *command) {
  (void)command; /* one text covers every command */
  fputs(usage_text, out);
}

void cli_print_properties(FILE *out) {
  for (size_t i = 0; i < schema_count(); i++) {
    const schema_property *p = schema_at(i);
    fprintf(out, "%-24s %-7s %s%s\n", p->info.name,
            p->info.type == CUSTAPI_TYPE_INTEGER ? "integer" : "string", p->info.rule,
            p->info.required ? " (required in strict mode)" : "");
    if (p->values)
      for (const char *const *v = p->values; *v; v++)
        fprintf(out, "%33s%s\n", "", *v);
  }
}
