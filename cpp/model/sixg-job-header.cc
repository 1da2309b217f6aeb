#include "sixg-job-header.h"

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(SixgJobHeader);

SixgJobHeader::SixgJobHeader()
    : m_seq(0),
      m_flags(0),
      m_responsePackets(0),
      m_cost(1),
      m_txTimeNs(0)
{
}

TypeId
SixgJobHeader::GetTypeId()
{
    static TypeId tid = TypeId("ns3::SixgJobHeader")
                            .SetParent<Header>()
                            .SetGroupName("Sixg")
                            .AddConstructor<SixgJobHeader>();
    return tid;
}

TypeId
SixgJobHeader::GetInstanceTypeId() const
{
    return GetTypeId();
}

uint32_t
SixgJobHeader::GetSerializedSize() const
{
    return 4 + 1 + 1 + 2 + 8;
}

void
SixgJobHeader::Serialize(Buffer::Iterator start) const
{
    start.WriteHtonU32(m_seq);
    start.WriteU8(m_flags);
    start.WriteU8(m_responsePackets);
    start.WriteHtonU16(m_cost);
    start.WriteHtonU64(static_cast<uint64_t>(m_txTimeNs));
}

uint32_t
SixgJobHeader::Deserialize(Buffer::Iterator start)
{
    m_seq = start.ReadNtohU32();
    m_flags = start.ReadU8();
    m_responsePackets = start.ReadU8();
    m_cost = start.ReadNtohU16();
    m_txTimeNs = static_cast<int64_t>(start.ReadNtohU64());
    return GetSerializedSize();
}

void
SixgJobHeader::Print(std::ostream& os) const
{
    os << "seq=" << m_seq << " flags=" << +m_flags << " resp=" << +m_responsePackets
       << " cost=" << m_cost << " tx=" << m_txTimeNs << "ns";
}

void
SixgJobHeader::SetSeq(uint32_t seq)
{
    m_seq = seq;
}

uint32_t
SixgJobHeader::GetSeq() const
{
    return m_seq;
}

void
SixgJobHeader::SetFlags(uint8_t flags)
{
    m_flags = flags;
}

uint8_t
SixgJobHeader::GetFlags() const
{
    return m_flags;
}

void
SixgJobHeader::SetResponsePackets(uint8_t n)
{
    m_responsePackets = n;
}

uint8_t
SixgJobHeader::GetResponsePackets() const
{
    return m_responsePackets;
}

void
SixgJobHeader::SetCost(uint16_t cost)
{
    m_cost = cost;
}

uint16_t
SixgJobHeader::GetCost() const
{
    return m_cost;
}

void
SixgJobHeader::SetTxTime(Time t)
{
    m_txTimeNs = t.GetNanoSeconds();
}

Time
SixgJobHeader::GetTxTime() const
{
    return NanoSeconds(m_txTimeNs);
}

} // namespace ns3
