#include "sixg-kpi-probe.h"

#include "ns3/log.h"
#include "ns3/nstime.h"
#include "ns3/simulator.h"

#include <set>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("SixgKpiProbe");
NS_OBJECT_ENSURE_REGISTERED(SixgKpiProbe);

TypeId
SixgKpiProbe::GetTypeId()
{
    static TypeId tid = TypeId("ns3::SixgKpiProbe")
                            .SetParent<Object>()
                            .SetGroupName("Sixg")
                            .AddConstructor<SixgKpiProbe>()
                            .AddAttribute("LossTimeout",
                                          "A packet not delivered this long after it was sent "
                                          "counts as lost (set before Install).",
                                          TimeValue(Seconds(1.0)),
                                          MakeTimeAccessor(&SixgKpiProbe::m_lossTimeout),
                                          MakeTimeChecker(MilliSeconds(1)));
    return tid;
}

SixgKpiProbe::SixgKpiProbe() = default;
SixgKpiProbe::~SixgKpiProbe() = default;

void
SixgKpiProbe::DoDispose()
{
    m_monitor = nullptr;
    m_classifier = nullptr;
    Object::DoDispose();
}

void
SixgKpiProbe::AddPortGroup(uint32_t group, uint16_t lo, uint16_t hi)
{
    NS_ABORT_MSG_IF(lo > hi, "port range is empty");
    m_rules.push_back(Rule{group, lo, hi});
}

void
SixgKpiProbe::Install(NodeContainer nodes)
{
    // FlowMonitor's own loss timer (MaxPerHopDelay) is the timeout: every probe sits on
    // an end host, so one "hop" is the whole path.
    m_helper.SetMonitorAttribute("MaxPerHopDelay", TimeValue(m_lossTimeout));
    m_monitor = m_helper.Install(nodes);
    m_classifier = DynamicCast<Ipv4FlowClassifier>(m_helper.GetClassifier());
    m_lastSample = Simulator::Now();
}

int32_t
SixgKpiProbe::GroupOf(uint32_t flowId)
{
    auto it = m_flowGroup.find(flowId);
    if (it != m_flowGroup.end())
    {
        return it->second;
    }
    Ipv4FlowClassifier::FiveTuple t = m_classifier->FindFlow(flowId);
    int32_t group = -1;
    for (const Rule& r : m_rules)
    {
        bool src = t.sourcePort >= r.lo && t.sourcePort <= r.hi;
        bool dst = t.destinationPort >= r.lo && t.destinationPort <= r.hi;
        if (src || dst)
        {
            group = static_cast<int32_t>(r.group);
            break;
        }
    }
    m_flowGroup[flowId] = group;
    return group;
}

std::vector<SixgFlowKpi>
SixgKpiProbe::Sample()
{
    NS_ABORT_MSG_IF(!m_monitor, "SixgKpiProbe::Install must be called before Sample");
    std::set<uint32_t> groupIds;
    for (const Rule& r : m_rules)
    {
        groupIds.insert(r.group);
    }
    std::map<uint32_t, Counters> delta;
    std::map<uint32_t, uint32_t> flows;
    m_monitor->CheckForLostPackets();
    for (uint32_t g : groupIds)
    {
        delta[g] = Counters();
        flows[g] = 0;
    }

    for (const auto& [flowId, stats] : m_monitor->GetFlowStats())
    {
        int32_t group = GroupOf(flowId);
        if (group < 0)
        {
            continue;
        }
        Counters now;
        now.txPackets = stats.txPackets;
        now.rxPackets = stats.rxPackets;
        now.rxBytes = stats.rxBytes;
        now.lostPackets = stats.lostPackets;
        now.delaySumS = stats.delaySum.GetSeconds();
        now.jitterSumS = stats.jitterSum.GetSeconds();
        Counters& last = m_last[flowId];
        Counters& d = delta[group];
        d.txPackets += now.txPackets - last.txPackets;
        d.rxPackets += now.rxPackets - last.rxPackets;
        d.rxBytes += now.rxBytes - last.rxBytes;
        d.lostPackets += now.lostPackets - last.lostPackets;
        d.delaySumS += now.delaySumS - last.delaySumS;
        d.jitterSumS += now.jitterSumS - last.jitterSumS;
        flows[group]++;
        last = now;
    }

    Time now = Simulator::Now();
    double window = (now - m_lastSample).GetSeconds();
    m_lastSample = now;

    std::vector<SixgFlowKpi> out;
    for (uint32_t g : groupIds)
    {
        const Counters& d = delta[g];
        SixgFlowKpi k;
        k.group = g;
        k.windowSeconds = window;
        k.flows = flows[g];
        k.txPackets = d.txPackets;
        k.rxPackets = d.rxPackets;
        k.rxBytes = d.rxBytes;
        k.lostPackets = d.lostPackets;
        if (d.rxPackets > 0)
        {
            k.delayMs = d.delaySumS / d.rxPackets * 1000.0;
            k.jitterMs = d.jitterSumS / d.rxPackets * 1000.0;
        }
        if (d.rxPackets + d.lostPackets > 0)
        {
            k.lossRate = static_cast<double>(d.lostPackets) /
                         static_cast<double>(d.rxPackets + d.lostPackets);
        }
        if (window > 0)
        {
            k.throughputMbps = d.rxBytes * 8.0 / window / 1e6;
        }
        out.push_back(k);
    }
    return out;
}

} // namespace ns3
