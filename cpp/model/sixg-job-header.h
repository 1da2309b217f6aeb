// The header every packet of a sixg traffic flow carries.
//
// It lets the receiving side tell a compute job from plain stream traffic, lets the
// edge server know how many response packets to send back, and carries the
// request's send time so the response can be timed end to end (network both ways
// plus compute queueing), which FlowMonitor's one-way view cannot see.
#ifndef SIXG_JOB_HEADER_H
#define SIXG_JOB_HEADER_H

#include "ns3/header.h"
#include "ns3/nstime.h"

namespace ns3
{

class SixgJobHeader : public Header
{
  public:
    /// Flag bits.
    static constexpr uint8_t FLAG_REQUEST = 0x1;  ///< a job the server must compute
    static constexpr uint8_t FLAG_RESPONSE = 0x2; ///< a packet of a job's response

    SixgJobHeader();

    static TypeId GetTypeId();
    TypeId GetInstanceTypeId() const override;
    uint32_t GetSerializedSize() const override;
    void Serialize(Buffer::Iterator start) const override;
    uint32_t Deserialize(Buffer::Iterator start) override;
    void Print(std::ostream& os) const override;

    void SetSeq(uint32_t seq);
    uint32_t GetSeq() const;
    void SetFlags(uint8_t flags);
    uint8_t GetFlags() const;
    /// Number of response packets the server sends back for a request (0: none).
    void SetResponsePackets(uint8_t n);
    uint8_t GetResponsePackets() const;
    /// Compute cost of the job in work units (1 unit = one job at the nominal size).
    void SetCost(uint16_t cost);
    uint16_t GetCost() const;
    /// Send time of the request this packet belongs to.
    void SetTxTime(Time t);
    Time GetTxTime() const;

  private:
    uint32_t m_seq;
    uint8_t m_flags;
    uint8_t m_responsePackets;
    uint16_t m_cost;
    int64_t m_txTimeNs;
};

} // namespace ns3

#endif
