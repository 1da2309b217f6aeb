// A UDP traffic source whose rate, state and destination can be changed mid-run.
//
// ns-3's stock clients fix these at configuration time (and silently ignore a new
// stop time once started), but the co-simulation must shape load, shed it, and move
// a service to another host while the simulation runs. When the destination is a
// SixgEdgeServer and ResponsePackets > 0 the source also receives the responses and
// times each one end to end. A response that has not arrived ResponseTimeout after
// its request is lost; if it turns up later it is ignored, so every response asked
// for is counted exactly once, as received or as lost, and a window in which nothing
// was lost reports no loss.
#ifndef SIXG_TRAFFIC_APP_H
#define SIXG_TRAFFIC_APP_H

#include "ns3/address.h"
#include "ns3/application.h"
#include "ns3/data-rate.h"
#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "ns3/random-variable-stream.h"
#include "ns3/socket.h"

#include <map>
#include <utility>

namespace ns3
{

/// What a traffic source saw during one measurement window.
struct SixgAppWindow
{
    uint64_t txPackets = 0;
    uint64_t txBytes = 0;
    uint64_t rxPackets = 0;      ///< response packets received in time
    uint64_t rxBytes = 0;        ///< response bytes received in time (application payload)
    double latencySumMs = 0.0;   ///< sum of request-to-response latencies
    double latencyMaxMs = 0.0;   ///< largest request-to-response latency
    double jitterSumMs = 0.0;    ///< sum of |latency - previous latency| over responses
    uint64_t jitterSamples = 0;  ///< number of terms in jitterSumMs
    uint64_t requestsSent = 0;   ///< requests that asked for a response
    /// Response packets whose request went unanswered for ResponseTimeout; each is
    /// counted once, in the window its timeout ran out.
    uint64_t responsesLost = 0;
};

class SixgTrafficApp : public Application
{
  public:
    static TypeId GetTypeId();
    SixgTrafficApp();
    ~SixgTrafficApp() override;

    /// Set the sending rate; 0 bps stops sending without pausing.
    void SetRate(DataRate rate);
    /// Set the sending rate in bits per second.
    void SetRateBps(double bps);
    DataRate GetRate() const;
    /// Stop sending until Resume() (the socket stays open, responses still arrive).
    void Pause();
    void Resume();
    bool IsPaused() const;
    /// Send subsequent packets to another host or port.
    void SetRemote(Address remote);
    Address GetRemote() const;

    /// Return the counters gathered since the last call and start a new window.
    SixgAppWindow TakeWindow();
    /// Counters since the application started (never reset).
    SixgAppWindow GetTotals() const;

    int64_t AssignStreams(int64_t stream) override;

  private:
    void StartApplication() override;
    void StopApplication() override;
    void DoDispose() override;

    void ScheduleNext();
    void Send();
    void HandleRead(Ptr<Socket> socket);
    void Account(SixgAppWindow& w, double latencyMs, bool first, double previousMs) const;
    void ExpireRequests();

    Address m_remote;
    DataRate m_rate;
    uint32_t m_packetSize;
    uint8_t m_responsePackets;
    uint16_t m_jobCost;
    bool m_job;
    bool m_poisson;
    bool m_paused;
    bool m_running;
    Ptr<Socket> m_socket;
    EventId m_sendEvent;
    uint32_t m_seq;
    Ptr<ExponentialRandomVariable> m_gap;
    Ptr<UniformRandomVariable> m_phase;
    bool m_haveLastLatency;
    double m_lastLatencyMs;
    SixgAppWindow m_window;
    SixgAppWindow m_totals;
    Time m_responseTimeout;
    /// Requests still owed responses, by sequence number: (send time, responses owed).
    /// Sequence numbers grow with send time, so the oldest request comes first.
    std::map<uint32_t, std::pair<Time, uint8_t>> m_pending;
};

} // namespace ns3

#endif
