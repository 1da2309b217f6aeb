// A compute server reached over the network: the edge host (finite capacity) and the
// cloud host (ample capacity, far away) both run one.
//
// Jobs arrive as UDP requests, wait in a FIFO, are served one at a time at a finite
// rate, and the result goes back to the sender as ResponsePackets packets. The busy
// fraction of each window is the "edge load" of the network state; the waiting shows
// up in the requester's response latency.
#ifndef SIXG_EDGE_SERVER_H
#define SIXG_EDGE_SERVER_H

#include "ns3/address.h"
#include "ns3/application.h"
#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "ns3/random-variable-stream.h"
#include "ns3/socket.h"

#include <deque>
#include <vector>

namespace ns3
{

/// What the server did during one measurement window.
struct SixgServerWindow
{
    double windowSeconds = 0.0;
    double busySeconds = 0.0;
    double utilisation = 0.0;    ///< busySeconds / windowSeconds, in [0, 1]
    double meanQueueJobs = 0.0;  ///< time-averaged number of jobs waiting or in service
    uint64_t arrivals = 0;       ///< requests received
    uint64_t served = 0;         ///< requests completed
    uint64_t dropped = 0;        ///< requests refused because the queue was full
    uint64_t streamPackets = 0;  ///< packets received that were not requests
    uint64_t streamBytes = 0;
};

class SixgEdgeServer : public Application
{
  public:
    static TypeId GetTypeId();
    SixgEdgeServer();
    ~SixgEdgeServer() override;

    /// Listen on another UDP port (one per slice, so each slice's bearer filter matches).
    void AddListenPort(uint16_t port);
    /// Change the compute rate in work units per second (edge overload, scaling).
    void SetCapacity(double unitsPerSecond);
    double GetCapacity() const;
    /// Jobs waiting or in service now.
    uint32_t GetQueueLength() const;

    /// Return the counters gathered since the last call and start a new window.
    SixgServerWindow TakeWindow();

    int64_t AssignStreams(int64_t stream) override;

  private:
    struct Job
    {
        Ptr<Socket> socket;
        Address from;
        uint32_t seq;
        uint8_t responsePackets;
        uint16_t cost;
        Time txTime;
    };

    void StartApplication() override;
    void StopApplication() override;
    void DoDispose() override;

    void OpenSocket(uint16_t port);
    void HandleRead(Ptr<Socket> socket);
    void StartService();
    void FinishService();
    void NoteQueueChange();

    double m_capacity;
    uint32_t m_queueLimit;
    uint32_t m_responseSize;
    bool m_exponential;
    std::vector<uint16_t> m_ports;
    std::vector<Ptr<Socket>> m_sockets;
    std::deque<Job> m_queue; ///< front is in service while m_busy
    bool m_busy;
    bool m_running;
    EventId m_serviceEvent;
    Ptr<ExponentialRandomVariable> m_serviceTime;

    Time m_windowStart;
    Time m_busySince;
    double m_busySeconds;
    Time m_lastQueueChange;
    double m_queueIntegral;
    SixgServerWindow m_window;
};

} // namespace ns3

#endif
