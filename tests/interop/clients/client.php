<?php
// PHP's xmlrpc extension with its defaults (xmlrpc_encode_request writes ISO-8859-1 with each
// byte of a non-ASCII character as a reference; xmlrpc_decode reads answers back the same way),
// sent with curl, as PHP integrations have done it. Usage: php client.php URL ID ADDRESS, the
// key in INTEROP_KEY. Prints {"result":..., "address_hex":...} (the bytes read back, in hex).
[$_, $url, $id, $address] = $argv;
function call($url, $method, $params) {
    $ch = curl_init($url);
    curl_setopt_array($ch, [
        CURLOPT_POST => true,
        CURLOPT_POSTFIELDS => xmlrpc_encode_request($method, $params),
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_USERPWD => getenv("INTEROP_USER") . ":" . getenv("INTEROP_KEY"),
        CURLOPT_HTTPHEADER => ["Content-Type: text/xml"],
        CURLOPT_PROXY => "",
    ]);
    $answer = curl_exec($ch);
    if ($answer === false) {
        fwrite(STDERR, "curl: " . curl_error($ch) . "\n");
        exit(1);
    }
    $value = xmlrpc_decode($answer);
    if (is_array($value) && xmlrpc_is_fault($value)) {
        fwrite(STDERR, "fault " . $value["faultCode"] . ": " . $value["faultString"] . "\n");
        exit(1);
    }
    return $value;
}
$result = call($url, "customers.UpdateCustomer", [(int)$id, ["address" => $address]]);
$customer = call($url, "customers.GetCustomer", [(int)$id]);
echo json_encode(["result" => $result, "address_hex" => bin2hex($customer["address"])]), "\n";
