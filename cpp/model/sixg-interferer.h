// A switchable wide-band interferer on the LTE downlink band.
//
// An "interference surge" must raise the noise floor the UEs of a cell see, not
// just lower a transmit power; a WaveformGenerator radiating on the same spectrum
// channel does exactly that, and can be switched on and off mid-run.
#ifndef SIXG_INTERFERER_H
#define SIXG_INTERFERER_H

#include "ns3/node.h"
#include "ns3/object.h"
#include "ns3/spectrum-channel.h"
#include "ns3/waveform-generator.h"

namespace ns3
{

class SixgInterferer : public Object
{
  public:
    static TypeId GetTypeId();
    SixgInterferer();
    ~SixgInterferer() override;

    /// Attach to `node` (which must have a mobility model) radiating on the downlink of
    /// `earfcn` over `bandwidthRb` resource blocks. Call before the simulation starts.
    void Install(Ptr<Node> node, Ptr<SpectrumChannel> channel, uint32_t earfcn, uint16_t bandwidthRb);
    /// Total radiated power in dBm over the band (takes effect with the next waveform).
    void SetPowerDbm(double dbm);
    double GetPowerDbm() const;
    void Start();
    void Stop();
    bool IsActive() const;

  private:
    void DoDispose() override;
    void ApplyPsd();

    Ptr<WaveformGenerator> m_phy;
    uint32_t m_earfcn;
    uint16_t m_bandwidthRb;
    double m_powerDbm;
    bool m_active;
};

} // namespace ns3

#endif
