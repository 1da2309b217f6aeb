#include "sixg-interferer.h"

#include "ns3/double.h"
#include "ns3/log.h"
#include "ns3/lte-spectrum-value-helper.h"
#include "ns3/non-communicating-net-device.h"
#include "ns3/nstime.h"
#include "ns3/waveform-generator-helper.h"

#include <vector>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("SixgInterferer");
NS_OBJECT_ENSURE_REGISTERED(SixgInterferer);

TypeId
SixgInterferer::GetTypeId()
{
    static TypeId tid = TypeId("ns3::SixgInterferer")
                            .SetParent<Object>()
                            .SetGroupName("Sixg")
                            .AddConstructor<SixgInterferer>();
    return tid;
}

SixgInterferer::SixgInterferer()
    : m_earfcn(100),
      m_bandwidthRb(25),
      m_powerDbm(30.0),
      m_active(false)
{
}

SixgInterferer::~SixgInterferer() = default;

void
SixgInterferer::DoDispose()
{
    m_phy = nullptr;
    Object::DoDispose();
}

void
SixgInterferer::ApplyPsd()
{
    std::vector<int> rbs(m_bandwidthRb);
    for (uint16_t i = 0; i < m_bandwidthRb; ++i)
    {
        rbs[i] = i;
    }
    m_phy->SetTxPowerSpectralDensity(
        LteSpectrumValueHelper::CreateTxPowerSpectralDensity(m_earfcn, m_bandwidthRb, m_powerDbm, rbs));
}

void
SixgInterferer::Install(Ptr<Node> node,
                        Ptr<SpectrumChannel> channel,
                        uint32_t earfcn,
                        uint16_t bandwidthRb)
{
    m_earfcn = earfcn;
    m_bandwidthRb = bandwidthRb;
    WaveformGeneratorHelper helper;
    helper.SetChannel(channel);
    helper.SetPhyAttribute("Period", TimeValue(MilliSeconds(1)));
    helper.SetPhyAttribute("DutyCycle", DoubleValue(1.0));
    std::vector<int> rbs(m_bandwidthRb);
    for (uint16_t i = 0; i < m_bandwidthRb; ++i)
    {
        rbs[i] = i;
    }
    helper.SetTxPowerSpectralDensity(
        LteSpectrumValueHelper::CreateTxPowerSpectralDensity(m_earfcn, m_bandwidthRb, m_powerDbm, rbs));
    NetDeviceContainer devices = helper.Install(node);
    Ptr<NonCommunicatingNetDevice> dev = DynamicCast<NonCommunicatingNetDevice>(devices.Get(0));
    m_phy = DynamicCast<WaveformGenerator>(dev->GetPhy());
    NS_ABORT_MSG_IF(!m_phy, "SixgInterferer: the helper did not create a WaveformGenerator");
}

void
SixgInterferer::SetPowerDbm(double dbm)
{
    m_powerDbm = dbm;
    if (m_phy)
    {
        ApplyPsd();
    }
}

double
SixgInterferer::GetPowerDbm() const
{
    return m_powerDbm;
}

void
SixgInterferer::Start()
{
    NS_ABORT_MSG_IF(!m_phy, "SixgInterferer::Install must be called first");
    if (!m_active)
    {
        m_active = true;
        m_phy->Start();
    }
}

void
SixgInterferer::Stop()
{
    if (m_active && m_phy)
    {
        m_active = false;
        m_phy->Stop();
    }
}

bool
SixgInterferer::IsActive() const
{
    return m_active;
}

} // namespace ns3
