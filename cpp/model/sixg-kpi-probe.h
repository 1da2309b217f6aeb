// Per-window KPIs per flow group, from FlowMonitor's cumulative counters.
//
// FlowMonitor only ever adds up; the co-simulation needs what happened in the last
// window, per group of flows (the managed service, each slice's background load).
// Flows are put in a group by port, so a flow joins the right group the moment it
// first appears, wherever it was started.
//
// A packet counts as lost when ns-3 drops it where FlowMonitor sees it, or once it
// has gone undelivered for LossTimeout (LTE buffer drops are never reported as IP
// drops, so the timeout is what catches them). A packet delivered after that is
// late and stays lost. Loss over a window is lost / (delivered + lost) among the
// packets settled in the window, so packets in flight at a window edge count
// nowhere until they arrive or time out, and a clean window reports exactly zero.
#ifndef SIXG_KPI_PROBE_H
#define SIXG_KPI_PROBE_H

#include "ns3/flow-monitor-helper.h"
#include "ns3/flow-monitor.h"
#include "ns3/ipv4-flow-classifier.h"
#include "ns3/node-container.h"
#include "ns3/nstime.h"
#include "ns3/object.h"

#include <map>
#include <vector>

namespace ns3
{

/// KPIs of one flow group over one window.
struct SixgFlowKpi
{
    uint32_t group = 0;
    double windowSeconds = 0.0;
    uint32_t flows = 0;          ///< flows of the group seen so far
    uint64_t txPackets = 0;
    uint64_t rxPackets = 0;
    uint64_t rxBytes = 0;
    uint64_t lostPackets = 0;    ///< dropped, or undelivered for LossTimeout, in the window
    double delayMs = 0.0;        ///< mean one-way delay of packets received in the window
    double jitterMs = 0.0;       ///< mean delay variation between consecutive packets
    double lossRate = 0.0;       ///< lost / (rx + lost) over the window
    double throughputMbps = 0.0; ///< received IP bytes per second, in Mbit/s
};

class SixgKpiProbe : public Object
{
  public:
    static TypeId GetTypeId();
    SixgKpiProbe();
    ~SixgKpiProbe() override;

    /// Flows whose source or destination port lies in [lo, hi] belong to `group`.
    /// Earlier rules win when ranges overlap.
    void AddPortGroup(uint32_t group, uint16_t lo, uint16_t hi);
    /// Put FlowMonitor probes on these nodes (the hosts at both ends of the flows).
    void Install(NodeContainer nodes);
    /// KPIs per group since the previous call (or since Install), one entry per group
    /// in ascending group order, groups with no traffic included.
    std::vector<SixgFlowKpi> Sample();
    /// Group of a flow id, or -1 when no rule matches.
    int32_t GroupOf(uint32_t flowId);

  private:
    void DoDispose() override;

    struct Rule
    {
        uint32_t group;
        uint16_t lo;
        uint16_t hi;
    };

    struct Counters
    {
        uint64_t txPackets = 0;
        uint64_t rxPackets = 0;
        uint64_t rxBytes = 0;
        uint64_t lostPackets = 0;
        double delaySumS = 0.0;
        double jitterSumS = 0.0;
    };

    FlowMonitorHelper m_helper;
    Ptr<FlowMonitor> m_monitor;
    Ptr<Ipv4FlowClassifier> m_classifier;
    std::vector<Rule> m_rules;
    std::map<uint32_t, int32_t> m_flowGroup;
    std::map<uint32_t, Counters> m_last;
    Time m_lastSample;
    Time m_lossTimeout;
};

} // namespace ns3

#endif
