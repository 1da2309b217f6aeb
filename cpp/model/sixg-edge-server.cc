#include "sixg-edge-server.h"

#include "sixg-job-header.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/inet-socket-address.h"
#include "ns3/log.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"
#include "ns3/udp-socket-factory.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("SixgEdgeServer");
NS_OBJECT_ENSURE_REGISTERED(SixgEdgeServer);

TypeId
SixgEdgeServer::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::SixgEdgeServer")
            .SetParent<Application>()
            .SetGroupName("Sixg")
            .AddConstructor<SixgEdgeServer>()
            .AddAttribute("Capacity",
                          "Compute rate in work units per second.",
                          DoubleValue(1000.0),
                          MakeDoubleAccessor(&SixgEdgeServer::m_capacity),
                          MakeDoubleChecker<double>(1e-9))
            .AddAttribute("QueueLimit",
                          "Jobs that may wait or be in service; further arrivals are dropped.",
                          UintegerValue(500),
                          MakeUintegerAccessor(&SixgEdgeServer::m_queueLimit),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("ResponseSize",
                          "Payload bytes of each response packet.",
                          UintegerValue(1200),
                          MakeUintegerAccessor(&SixgEdgeServer::m_responseSize),
                          MakeUintegerChecker<uint32_t>(16, 65000))
            .AddAttribute("ExponentialService",
                          "Exponentially distributed service times (otherwise deterministic).",
                          BooleanValue(true),
                          MakeBooleanAccessor(&SixgEdgeServer::m_exponential),
                          MakeBooleanChecker());
    return tid;
}

SixgEdgeServer::SixgEdgeServer()
    : m_capacity(1000.0),
      m_queueLimit(500),
      m_responseSize(1200),
      m_exponential(true),
      m_busy(false),
      m_running(false),
      m_busySeconds(0.0),
      m_queueIntegral(0.0)
{
    m_serviceTime = CreateObject<ExponentialRandomVariable>();
}

SixgEdgeServer::~SixgEdgeServer() = default;

int64_t
SixgEdgeServer::AssignStreams(int64_t stream)
{
    m_serviceTime->SetStream(stream);
    return 1;
}

void
SixgEdgeServer::DoDispose()
{
    m_sockets.clear();
    m_queue.clear();
    Application::DoDispose();
}

void
SixgEdgeServer::AddListenPort(uint16_t port)
{
    if (std::find(m_ports.begin(), m_ports.end(), port) != m_ports.end())
    {
        return;
    }
    m_ports.push_back(port);
    if (m_running)
    {
        OpenSocket(port);
    }
}

void
SixgEdgeServer::OpenSocket(uint16_t port)
{
    Ptr<Socket> socket = Socket::CreateSocket(GetNode(), UdpSocketFactory::GetTypeId());
    socket->Bind(InetSocketAddress(Ipv4Address::GetAny(), port));
    socket->SetRecvCallback(MakeCallback(&SixgEdgeServer::HandleRead, this));
    m_sockets.push_back(socket);
}

void
SixgEdgeServer::StartApplication()
{
    m_running = true;
    m_windowStart = Simulator::Now();
    m_lastQueueChange = Simulator::Now();
    for (uint16_t port : m_ports)
    {
        OpenSocket(port);
    }
}

void
SixgEdgeServer::StopApplication()
{
    m_running = false;
    Simulator::Cancel(m_serviceEvent);
    for (auto& socket : m_sockets)
    {
        socket->Close();
        socket->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
    }
    m_sockets.clear();
}

void
SixgEdgeServer::NoteQueueChange()
{
    Time now = Simulator::Now();
    m_queueIntegral += m_queue.size() * (now - m_lastQueueChange).GetSeconds();
    m_lastQueueChange = now;
}

void
SixgEdgeServer::HandleRead(Ptr<Socket> socket)
{
    Ptr<Packet> packet;
    Address from;
    while ((packet = socket->RecvFrom(from)))
    {
        SixgJobHeader header;
        if (packet->GetSize() < header.GetSerializedSize())
        {
            m_window.streamPackets++;
            m_window.streamBytes += packet->GetSize();
            continue;
        }
        packet->RemoveHeader(header);
        if (!(header.GetFlags() & SixgJobHeader::FLAG_REQUEST))
        {
            m_window.streamPackets++;
            m_window.streamBytes += packet->GetSize() + header.GetSerializedSize();
            continue;
        }
        m_window.arrivals++;
        if (m_queue.size() >= m_queueLimit)
        {
            m_window.dropped++;
            continue;
        }
        NoteQueueChange();
        m_queue.push_back(Job{socket,
                              from,
                              header.GetSeq(),
                              header.GetResponsePackets(),
                              header.GetCost(),
                              header.GetTxTime()});
        if (!m_busy)
        {
            StartService();
        }
    }
}

void
SixgEdgeServer::StartService()
{
    NS_ASSERT(!m_queue.empty());
    m_busy = true;
    m_busySince = Simulator::Now();
    double mean = m_queue.front().cost / m_capacity;
    double seconds = m_exponential ? m_serviceTime->GetValue(mean, 0.0) : mean;
    m_serviceEvent = Simulator::Schedule(Seconds(seconds), &SixgEdgeServer::FinishService, this);
}

void
SixgEdgeServer::FinishService()
{
    Job job = m_queue.front();
    NoteQueueChange();
    m_queue.pop_front();
    Time now = Simulator::Now();
    m_busySeconds += (now - std::max(m_busySince, m_windowStart)).GetSeconds();
    m_busy = false;
    m_window.served++;
    if (m_running && job.socket)
    {
        for (uint8_t i = 0; i < job.responsePackets; ++i)
        {
            SixgJobHeader header;
            header.SetSeq(job.seq);
            header.SetFlags(SixgJobHeader::FLAG_RESPONSE);
            header.SetCost(job.cost);
            header.SetTxTime(job.txTime);
            Ptr<Packet> packet = Create<Packet>(m_responseSize - header.GetSerializedSize());
            packet->AddHeader(header);
            job.socket->SendTo(packet, 0, job.from);
        }
    }
    if (!m_queue.empty())
    {
        StartService();
    }
}

void
SixgEdgeServer::SetCapacity(double unitsPerSecond)
{
    // The job in service keeps its drawn service time; the new rate applies to the next.
    m_capacity = std::max(unitsPerSecond, 1e-9);
}

double
SixgEdgeServer::GetCapacity() const
{
    return m_capacity;
}

uint32_t
SixgEdgeServer::GetQueueLength() const
{
    return static_cast<uint32_t>(m_queue.size());
}

SixgServerWindow
SixgEdgeServer::TakeWindow()
{
    Time now = Simulator::Now();
    NoteQueueChange();
    double busy = m_busySeconds;
    if (m_busy)
    {
        busy += (now - std::max(m_busySince, m_windowStart)).GetSeconds();
    }
    SixgServerWindow w = m_window;
    w.windowSeconds = (now - m_windowStart).GetSeconds();
    w.busySeconds = busy;
    w.utilisation = w.windowSeconds > 0 ? std::clamp(busy / w.windowSeconds, 0.0, 1.0) : 0.0;
    w.meanQueueJobs = w.windowSeconds > 0 ? m_queueIntegral / w.windowSeconds : 0.0;
    m_window = SixgServerWindow();
    m_windowStart = now;
    m_busySeconds = 0.0;
    m_queueIntegral = 0.0;
    return w;
}

} // namespace ns3
