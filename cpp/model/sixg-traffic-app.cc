#include "sixg-traffic-app.h"

#include "sixg-job-header.h"

#include "ns3/boolean.h"
#include "ns3/inet-socket-address.h"
#include "ns3/log.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"
#include "ns3/udp-socket-factory.h"

#include <algorithm>
#include <cmath>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("SixgTrafficApp");
NS_OBJECT_ENSURE_REGISTERED(SixgTrafficApp);

TypeId
SixgTrafficApp::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::SixgTrafficApp")
            .SetParent<Application>()
            .SetGroupName("Sixg")
            .AddConstructor<SixgTrafficApp>()
            .AddAttribute("Remote",
                          "Destination address and port.",
                          AddressValue(),
                          MakeAddressAccessor(&SixgTrafficApp::m_remote),
                          MakeAddressChecker())
            .AddAttribute("DataRate",
                          "Sending rate (application payload incl. the sixg header).",
                          DataRateValue(DataRate("1Mbps")),
                          MakeDataRateAccessor(&SixgTrafficApp::m_rate),
                          MakeDataRateChecker())
            .AddAttribute("PacketSize",
                          "Payload bytes per packet (at least the sixg header).",
                          UintegerValue(1000),
                          MakeUintegerAccessor(&SixgTrafficApp::m_packetSize),
                          MakeUintegerChecker<uint32_t>(16, 65000))
            .AddAttribute("ResponsePackets",
                          "Response packets the destination sends back per packet (0: a plain stream).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&SixgTrafficApp::m_responsePackets),
                          MakeUintegerChecker<uint8_t>())
            .AddAttribute("JobCost",
                          "Compute work units each request costs the server.",
                          UintegerValue(1),
                          MakeUintegerAccessor(&SixgTrafficApp::m_jobCost),
                          MakeUintegerChecker<uint16_t>(1))
            .AddAttribute("Job",
                          "Packets are compute jobs for a SixgEdgeServer (implied by ResponsePackets > 0).",
                          BooleanValue(false),
                          MakeBooleanAccessor(&SixgTrafficApp::m_job),
                          MakeBooleanChecker())
            .AddAttribute("Poisson",
                          "Exponential gaps between packets instead of a constant gap.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&SixgTrafficApp::m_poisson),
                          MakeBooleanChecker())
            .AddAttribute("ResponseTimeout",
                          "A response not received this long after its request is lost.",
                          TimeValue(Seconds(1.0)),
                          MakeTimeAccessor(&SixgTrafficApp::m_responseTimeout),
                          MakeTimeChecker(MilliSeconds(1)))
            .AddAttribute("StartPaused",
                          "Start in the paused state (for load provisioned before the run).",
                          BooleanValue(false),
                          MakeBooleanAccessor(&SixgTrafficApp::m_paused),
                          MakeBooleanChecker());
    return tid;
}

SixgTrafficApp::SixgTrafficApp()
    : m_packetSize(1000),
      m_responsePackets(0),
      m_jobCost(1),
      m_job(false),
      m_poisson(false),
      m_paused(false),
      m_running(false),
      m_seq(0),
      m_haveLastLatency(false),
      m_lastLatencyMs(0.0)
{
    m_gap = CreateObject<ExponentialRandomVariable>();
    m_phase = CreateObject<UniformRandomVariable>();
}

SixgTrafficApp::~SixgTrafficApp() = default;

int64_t
SixgTrafficApp::AssignStreams(int64_t stream)
{
    m_gap->SetStream(stream);
    m_phase->SetStream(stream + 1);
    return 2;
}

void
SixgTrafficApp::DoDispose()
{
    m_socket = nullptr;
    Application::DoDispose();
}

void
SixgTrafficApp::StartApplication()
{
    m_running = true;
    if (!m_socket)
    {
        m_socket = Socket::CreateSocket(GetNode(), UdpSocketFactory::GetTypeId());
        m_socket->Bind();
        m_socket->SetRecvCallback(MakeCallback(&SixgTrafficApp::HandleRead, this));
    }
    if (!m_paused && m_rate.GetBitRate() > 0)
    {
        // A random phase keeps sources that start together from sending in lock-step.
        double gap = m_packetSize * 8.0 / static_cast<double>(m_rate.GetBitRate());
        m_sendEvent = Simulator::Schedule(Seconds(m_phase->GetValue(0.0, gap)),
                                          &SixgTrafficApp::Send,
                                          this);
    }
}

void
SixgTrafficApp::StopApplication()
{
    m_running = false;
    Simulator::Cancel(m_sendEvent);
    if (m_socket)
    {
        m_socket->Close();
        m_socket->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
        m_socket = nullptr;
    }
}

void
SixgTrafficApp::ScheduleNext()
{
    Simulator::Cancel(m_sendEvent);
    if (!m_running || m_paused || m_rate.GetBitRate() == 0)
    {
        return;
    }
    double gap = m_packetSize * 8.0 / static_cast<double>(m_rate.GetBitRate());
    if (m_poisson)
    {
        gap = m_gap->GetValue(gap, 0.0);
    }
    m_sendEvent = Simulator::Schedule(Seconds(gap), &SixgTrafficApp::Send, this);
}

void
SixgTrafficApp::Send()
{
    SixgJobHeader header;
    header.SetSeq(m_seq++);
    header.SetFlags((m_job || m_responsePackets > 0) ? SixgJobHeader::FLAG_REQUEST : 0);
    header.SetResponsePackets(m_responsePackets);
    header.SetCost(m_jobCost);
    header.SetTxTime(Simulator::Now());
    uint32_t padding = m_packetSize - std::min(m_packetSize, header.GetSerializedSize());
    Ptr<Packet> packet = Create<Packet>(padding);
    packet->AddHeader(header);
    if (m_socket->SendTo(packet, 0, m_remote) >= 0)
    {
        for (SixgAppWindow* w : {&m_window, &m_totals})
        {
            w->txPackets++;
            w->txBytes += packet->GetSize();
            if (m_responsePackets > 0)
            {
                w->requestsSent++;
            }
        }
        if (m_responsePackets > 0)
        {
            m_pending[header.GetSeq()] = {Simulator::Now(), m_responsePackets};
        }
    }
    ScheduleNext();
}

void
SixgTrafficApp::ExpireRequests()
{
    Time deadline = Simulator::Now() - m_responseTimeout;
    while (!m_pending.empty() && m_pending.begin()->second.first < deadline)
    {
        for (SixgAppWindow* w : {&m_window, &m_totals})
        {
            w->responsesLost += m_pending.begin()->second.second;
        }
        m_pending.erase(m_pending.begin());
    }
}

void
SixgTrafficApp::HandleRead(Ptr<Socket> socket)
{
    ExpireRequests();
    Ptr<Packet> packet;
    Address from;
    while ((packet = socket->RecvFrom(from)))
    {
        uint32_t size = packet->GetSize();
        if (size < SixgJobHeader().GetSerializedSize())
        {
            continue;
        }
        SixgJobHeader header;
        packet->RemoveHeader(header);
        if (!(header.GetFlags() & SixgJobHeader::FLAG_RESPONSE))
        {
            continue;
        }
        auto owed = m_pending.find(header.GetSeq());
        if (owed == m_pending.end())
        {
            continue; // late: its request already timed out and was counted lost
        }
        if (--owed->second.second == 0)
        {
            m_pending.erase(owed);
        }
        double latencyMs = (Simulator::Now() - header.GetTxTime()).GetSeconds() * 1000.0;
        for (SixgAppWindow* w : {&m_window, &m_totals})
        {
            w->rxPackets++;
            w->rxBytes += size;
            Account(*w, latencyMs, !m_haveLastLatency, m_lastLatencyMs);
        }
        m_haveLastLatency = true;
        m_lastLatencyMs = latencyMs;
    }
}

void
SixgTrafficApp::Account(SixgAppWindow& w, double latencyMs, bool first, double previousMs) const
{
    w.latencySumMs += latencyMs;
    w.latencyMaxMs = std::max(w.latencyMaxMs, latencyMs);
    if (!first)
    {
        // RFC 3550 style: variation between consecutive deliveries.
        w.jitterSumMs += std::fabs(latencyMs - previousMs);
        w.jitterSamples++;
    }
}

void
SixgTrafficApp::SetRate(DataRate rate)
{
    m_rate = rate;
    if (m_running)
    {
        ScheduleNext();
    }
}

void
SixgTrafficApp::SetRateBps(double bps)
{
    SetRate(DataRate(static_cast<uint64_t>(std::max(0.0, bps))));
}

DataRate
SixgTrafficApp::GetRate() const
{
    return m_rate;
}

void
SixgTrafficApp::Pause()
{
    m_paused = true;
    Simulator::Cancel(m_sendEvent);
}

void
SixgTrafficApp::Resume()
{
    if (m_paused)
    {
        m_paused = false;
        if (m_running)
        {
            ScheduleNext();
        }
    }
}

bool
SixgTrafficApp::IsPaused() const
{
    return m_paused;
}

void
SixgTrafficApp::SetRemote(Address remote)
{
    m_remote = remote;
}

Address
SixgTrafficApp::GetRemote() const
{
    return m_remote;
}

SixgAppWindow
SixgTrafficApp::TakeWindow()
{
    ExpireRequests();
    SixgAppWindow w = m_window;
    m_window = SixgAppWindow();
    return w;
}

SixgAppWindow
SixgTrafficApp::GetTotals() const
{
    return m_totals;
}

} // namespace ns3
