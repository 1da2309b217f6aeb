// Small conversions that are awkward to spell from Python through cppyy.
#ifndef SIXG_UTIL_H
#define SIXG_UTIL_H

#include "ns3/address.h"
#include "ns3/inet-socket-address.h"
#include "ns3/ipv4-address.h"

namespace ns3
{

/// An Address holding an IPv4 socket address (cppyy cannot call the conversion operator).
inline Address
SixgSocketAddress(Ipv4Address ip, uint16_t port)
{
    return InetSocketAddress(ip, port);
}

} // namespace ns3

#endif
