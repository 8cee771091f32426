// Node's xmlrpc package (npm) with its defaults. Usage: node client.js URL ID ADDRESS, the key
// in INTEROP_KEY, the package found through NODE_PATH. Prints {"result":..., "address_hex":...}
// (the UTF-8 bytes read back, in hex).
const xmlrpc = require("xmlrpc");

const [url, id, address] = process.argv.slice(2);
const u = new URL(url);
const client = xmlrpc.createClient({
  host: u.hostname, port: Number(u.port), path: u.pathname,
  basic_auth: { user: process.env.INTEROP_USER, pass: process.env.INTEROP_KEY },
});
const call = (method, params) => new Promise((resolve, reject) =>
  client.methodCall(method, params, (err, value) => (err ? reject(err) : resolve(value))));

(async () => {
  const result = await call("customers.UpdateCustomer", [Number(id), { address }]);
  const customer = await call("customers.GetCustomer", [Number(id)]);
  console.log(JSON.stringify({ result, address_hex: Buffer.from(customer.address, "utf8").toString("hex") }));
})().catch((err) => {
  console.error(String(err.faultString ? `fault ${err.faultCode}: ${err.faultString}` : err));
  process.exit(1);
});
