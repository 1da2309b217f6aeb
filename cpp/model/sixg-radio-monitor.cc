#include "sixg-radio-monitor.h"

#include "ns3/callback.h"
#include "ns3/log.h"
#include "ns3/lte-ue-net-device.h"
#include "ns3/lte-ue-phy.h"
#include "ns3/lte-ue-rrc.h"

#include <algorithm>
#include <cmath>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("SixgRadioMonitor");
NS_OBJECT_ENSURE_REGISTERED(SixgRadioMonitor);

TypeId
SixgRadioMonitor::GetTypeId()
{
    static TypeId tid = TypeId("ns3::SixgRadioMonitor")
                            .SetParent<Object>()
                            .SetGroupName("Sixg")
                            .AddConstructor<SixgRadioMonitor>();
    return tid;
}

SixgRadioMonitor::SixgRadioMonitor() = default;
SixgRadioMonitor::~SixgRadioMonitor() = default;

void
SixgRadioMonitor::DoDispose()
{
    m_ues.clear();
    Object::DoDispose();
}

void
SixgRadioMonitor::Tracker::OnRsrpSinr(uint16_t, uint16_t, double rsrp, double sinr, uint8_t)
{
    rsrpSumW += rsrp;
    sinrLinSum += sinr;
    samples++;
    lastRsrpW = rsrp;
    lastSinrLin = sinr;
}

void
SixgRadioMonitor::Tracker::OnHandoverStart(uint64_t, uint16_t, uint16_t, uint16_t target)
{
    hoStarted++;
    lastTarget = target;
    hoInProgress = true;
}

void
SixgRadioMonitor::Tracker::OnHandoverOk(uint64_t, uint16_t, uint16_t)
{
    hoOk++;
    hoInProgress = false;
}

void
SixgRadioMonitor::Tracker::OnHandoverError(uint64_t, uint16_t, uint16_t)
{
    hoFailed++;
    hoInProgress = false;
}

uint32_t
SixgRadioMonitor::AddUe(Ptr<NetDevice> ueDevice)
{
    Ptr<LteUeNetDevice> dev = DynamicCast<LteUeNetDevice>(ueDevice);
    NS_ABORT_MSG_IF(!dev, "SixgRadioMonitor::AddUe needs an LteUeNetDevice");
    Ptr<Tracker> t = Create<Tracker>();
    t->device = dev;
    dev->GetPhy()->TraceConnectWithoutContext(
        "ReportCurrentCellRsrpSinr",
        MakeCallback(&Tracker::OnRsrpSinr, PeekPointer(t)));
    Ptr<LteUeRrc> rrc = dev->GetRrc();
    rrc->TraceConnectWithoutContext("HandoverStart",
                                    MakeCallback(&Tracker::OnHandoverStart, PeekPointer(t)));
    rrc->TraceConnectWithoutContext("HandoverEndOk",
                                    MakeCallback(&Tracker::OnHandoverOk, PeekPointer(t)));
    rrc->TraceConnectWithoutContext("HandoverEndError",
                                    MakeCallback(&Tracker::OnHandoverError, PeekPointer(t)));
    m_ues.push_back(t);
    return static_cast<uint32_t>(m_ues.size() - 1);
}

uint32_t
SixgRadioMonitor::GetUeCount() const
{
    return static_cast<uint32_t>(m_ues.size());
}

SixgUeRadio
SixgRadioMonitor::TakeWindow(uint32_t index)
{
    NS_ABORT_MSG_IF(index >= m_ues.size(), "SixgRadioMonitor: no UE with index " << index);
    Ptr<Tracker> t = m_ues[index];
    Ptr<LteUeNetDevice> dev = DynamicCast<LteUeNetDevice>(t->device);
    SixgUeRadio r;
    r.cellId = dev->GetRrc()->GetCellId();
    if (t->samples > 0)
    {
        r.rsrpDbm = 10.0 * std::log10(std::max(t->rsrpSumW / t->samples, 1e-20)) + 30.0;
        r.sinrDb = 10.0 * std::log10(std::max(t->sinrLinSum / t->samples, 1e-12));
    }
    else
    {
        // No report in the window (e.g. mid-handover): carry the last one forward.
        r.rsrpDbm = 10.0 * std::log10(std::max(t->lastRsrpW, 1e-20)) + 30.0;
        r.sinrDb = 10.0 * std::log10(std::max(t->lastSinrLin, 1e-12));
    }
    r.samples = t->samples;
    r.handoversStarted = t->hoStarted;
    r.handoversOk = t->hoOk;
    r.handoversFailed = t->hoFailed;
    r.lastTargetCellId = t->lastTarget;
    r.handoverInProgress = t->hoInProgress;
    t->rsrpSumW = 0.0;
    t->sinrLinSum = 0.0;
    t->samples = 0;
    return r;
}

} // namespace ns3
