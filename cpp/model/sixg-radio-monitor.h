// Per-UE radio view: serving cell, RSRP and SINR averaged over a window, handovers.
//
// The LTE PHY reports RSRP/SINR every subframe; doing the averaging here keeps a
// thousand callbacks per second per UE out of Python.
#ifndef SIXG_RADIO_MONITOR_H
#define SIXG_RADIO_MONITOR_H

#include "ns3/net-device.h"
#include "ns3/object.h"

#include <vector>

namespace ns3
{

/// Radio state of one UE over one window.
struct SixgUeRadio
{
    uint16_t cellId = 0;          ///< serving cell at the end of the window (0: none)
    double rsrpDbm = -140.0;      ///< mean RSRP of the serving cell over the window
    double sinrDb = -20.0;        ///< mean SINR (averaged in linear scale) over the window
    uint32_t samples = 0;         ///< PHY reports in the window
    uint32_t handoversStarted = 0;
    uint32_t handoversOk = 0;
    uint32_t handoversFailed = 0;
    uint16_t lastTargetCellId = 0; ///< target of the latest handover started
    bool handoverInProgress = false;
};

class SixgRadioMonitor : public Object
{
  public:
    static TypeId GetTypeId();
    SixgRadioMonitor();
    ~SixgRadioMonitor() override;

    /// Start tracking an LteUeNetDevice; returns its index for TakeWindow().
    uint32_t AddUe(Ptr<NetDevice> ueDevice);
    uint32_t GetUeCount() const;
    /// Radio state of UE `index` since the previous call.
    SixgUeRadio TakeWindow(uint32_t index);

  private:
    struct Tracker : public SimpleRefCount<Tracker>
    {
        Ptr<NetDevice> device;
        double rsrpSumW = 0.0; ///< RSRP arrives in watts per resource element
        double sinrLinSum = 0.0;
        uint32_t samples = 0;
        double lastRsrpW = 1e-17;
        double lastSinrLin = 0.01;
        uint32_t hoStarted = 0;
        uint32_t hoOk = 0;
        uint32_t hoFailed = 0;
        uint16_t lastTarget = 0;
        bool hoInProgress = false;

        void OnRsrpSinr(uint16_t cellId, uint16_t rnti, double rsrp, double sinr, uint8_t cc);
        void OnHandoverStart(uint64_t imsi, uint16_t cellId, uint16_t rnti, uint16_t target);
        void OnHandoverOk(uint64_t imsi, uint16_t cellId, uint16_t rnti);
        void OnHandoverError(uint64_t imsi, uint16_t cellId, uint16_t rnti);
    };

    void DoDispose() override;
    std::vector<Ptr<Tracker>> m_ues;
};

} // namespace ns3

#endif
