# Ruby's xmlrpc gem with its defaults. Usage: ruby client.rb URL ID ADDRESS, the key in
# INTEROP_KEY. Prints {"result":..., "address_hex":...} (the UTF-8 bytes read back, in hex).
require "json"
require "uri"
require "xmlrpc/client"

url, id, address = ARGV
uri = URI(url)
ENV.delete("http_proxy")
client = XMLRPC::Client.new3(host: uri.host, port: uri.port, path: uri.path,
                             user: ENV["INTEROP_USER"], password: ENV["INTEROP_KEY"])
result = client.call("customers.UpdateCustomer", id.to_i, { "address" => address })
customer = client.call("customers.GetCustomer", id.to_i)
puts JSON.generate({ "result" => result,
                     "address_hex" => customer["address"].encode("UTF-8").unpack1("H*") })
