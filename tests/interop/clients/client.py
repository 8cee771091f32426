"""Python's xmlrpc.client with its defaults. Usage: python3 client.py URL ID ADDRESS, the key
in INTEROP_KEY. Prints {"result":..., "address_hex":...} (the UTF-8 bytes read back, in hex)."""
import json
import os
import sys
import urllib.parse
import xmlrpc.client

url, cid, address = sys.argv[1], int(sys.argv[2]), sys.argv[3]
parts = urllib.parse.urlsplit(url)
creds = "%s:%s@" % (os.environ["INTEROP_USER"], os.environ["INTEROP_KEY"])
proxy = xmlrpc.client.ServerProxy(parts._replace(netloc=creds + parts.netloc).geturl())
result = proxy.customers.UpdateCustomer(cid, {"address": address})
customer = proxy.customers.GetCustomer(cid)
print(json.dumps({"result": result, "address_hex": customer["address"].encode("utf-8").hex()}))
