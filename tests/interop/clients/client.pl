#!/usr/bin/perl
# Perl's RPC::XML::Client with its defaults (it declares us-ascii and writes UTF-8). Usage:
# perl client.pl URL ID ADDRESS (ADDRESS as UTF-8 bytes), the key in INTEROP_KEY. Prints
# {"result":..., "address_hex":...} (the UTF-8 bytes read back, in hex).
use strict;
use warnings;
use Encode qw(decode encode);
use MIME::Base64 qw(encode_base64);
use RPC::XML;
use RPC::XML::Client;

my ($url, $id, $address) = @ARGV;
$address = decode('UTF-8', $address);    # the application's text, as Perl holds it
$ENV{no_proxy} = '*';
my $client = RPC::XML::Client->new($url);
$client->useragent->default_header(
    Authorization => 'Basic ' . encode_base64("$ENV{INTEROP_USER}:$ENV{INTEROP_KEY}", ''));

sub call {
    my $answer = $client->send_request(@_);
    die "transport: $answer\n" unless ref $answer;
    die 'fault ' . $answer->code . ': ' . $answer->string . "\n" if $answer->is_fault;
    return $answer;
}
my $result = call('customers.UpdateCustomer', RPC::XML::int->new($id),
                  RPC::XML::struct->new(address => RPC::XML::string->new($address)));
my $customer = call('customers.GetCustomer', RPC::XML::int->new($id))->value;
my $back = $customer->{address};
$back = encode('UTF-8', $back) if utf8::is_utf8($back);
printf "{\"result\":%d,\"address_hex\":\"%s\"}\n", $result->value, unpack('H*', $back);
