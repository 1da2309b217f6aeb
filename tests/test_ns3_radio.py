"""sixg's radio classes read directly: SixgRadioMonitor's windows and handovers, SixgInterferer's switchable noise.

The monitor is tested on a bare two-cell LTE network with one UE; the interferer inside a
scenario's network (built in this process), started, re-powered and stopped by hand. It has
to be a network with downlink traffic: ns-3 measures the interference in a UE's reported
SINR on the data channel (LteHelper's UsePdschForCqiGeneration, on by default), so a UE that
receives no data reports the same SINR whatever radiates next to it.
"""

from __future__ import annotations

import math

import pytest

pytestmark = pytest.mark.ns3

@pytest.fixture(scope="module")
def ns():
    from ns3_bridge import runtime

    return runtime.load().ns


@pytest.fixture
def cells(ns):
    """Two cells 400 m apart and one UE 100 m from the first, attached to it; returns a namespace of handles."""
    ns.Simulator.Destroy()
    ns.RngSeedManager.SetSeed(1)
    ns.RngSeedManager.SetRun(1)
    ns.RngSeedManager.ResetNextStreamIndex()
    lte = ns.CreateObject[ns.LteHelper]()
    epc = ns.CreateObject[ns.PointToPointEpcHelper]()
    lte.SetEpcHelper(epc)
    lte.SetHandoverAlgorithmType("ns3::NoOpHandoverAlgorithm")  # handovers only when asked

    def place(container, points):
        mob = ns.MobilityHelper()
        mob.SetMobilityModel("ns3::ConstantPositionMobilityModel")
        mob.Install(container)
        for i, (x, y, z) in enumerate(points):
            container.Get(i).GetObject[ns.MobilityModel]().SetPosition(ns.Vector(x, y, z))

    enbs = ns.NodeContainer()
    enbs.Create(2)
    place(enbs, [(0.0, 0.0, 30.0), (400.0, 0.0, 30.0)])
    enb_devs = lte.InstallEnbDevice(enbs)
    ues = ns.NodeContainer()
    ues.Create(1)
    place(ues, [(100.0, 0.0, 1.5)])
    ue_devs = lte.InstallUeDevice(ues)
    ns.InternetStackHelper().Install(ues)
    epc.AssignUeIpv4Address(ue_devs)
    lte.Attach(ue_devs.Get(0), enb_devs.Get(0))
    lte.AddX2Interface(enbs)
    monitor = ns.CreateObject[ns.SixgRadioMonitor]()
    index = monitor.AddUe(ue_devs.Get(0))

    class Cells:
        pass

    net = Cells()
    net.lte, net.enb_devs, net.ue_dev, net.monitor, net.index = lte, enb_devs, ue_devs.Get(0), monitor, index
    net.cell_ids = [int(ns.DynamicCast[ns.LteEnbNetDevice](enb_devs.Get(i)).GetCellId()) for i in range(2)]
    net.now = 0.0

    def run_to(t):
        ns.Simulator.Stop(ns.Seconds(t - net.now))
        ns.Simulator.Run()
        net.now = t

    net.run_to = run_to
    yield net
    ns.Simulator.Destroy()


def test_radio_monitor_reports_the_serving_cell_per_window(cells):
    """Each window gives the serving cell, a plausible mean RSRP and SINR, and counts only its own samples."""
    assert cells.monitor.GetUeCount() == 1
    cells.run_to(0.5)
    cells.monitor.TakeWindow(cells.index)  # attach and the first reports
    cells.run_to(1.5)
    w = cells.monitor.TakeWindow(cells.index)
    assert w.cellId == cells.cell_ids[0]
    assert -120.0 < w.rsrpDbm < -40.0 and 0.0 < w.sinrDb < 60.0
    assert 500 <= w.samples <= 1100  # one PHY report per 1 ms subframe, over one second
    assert (w.handoversStarted, w.handoversOk, w.handoversFailed, w.handoverInProgress) == (0, 0, 0, False)
    cells.run_to(1.75)
    assert cells.monitor.TakeWindow(cells.index).samples < w.samples / 2  # a quarter-second window


def test_radio_monitor_counts_a_handover_and_follows_the_new_cell(ns, cells):
    """A requested X2 handover is counted as started and completed, with its target, and the serving cell changes."""
    cells.lte.HandoverRequest(ns.Seconds(1.0), cells.ue_dev, cells.enb_devs.Get(0), cells.enb_devs.Get(1))
    cells.run_to(0.9)
    before = cells.monitor.TakeWindow(cells.index)
    assert before.cellId == cells.cell_ids[0] and before.handoversStarted == 0
    cells.run_to(2.0)
    after = cells.monitor.TakeWindow(cells.index)
    assert (after.handoversStarted, after.handoversOk, after.handoversFailed) == (1, 1, 0)
    assert after.lastTargetCellId == cells.cell_ids[1] and after.cellId == cells.cell_ids[1]
    assert not after.handoverInProgress
    cells.run_to(2.5)
    later = cells.monitor.TakeWindow(cells.index)
    # Handover counts are totals since AddUe (the snapshot reports them so); the averages are per window.
    assert (later.handoversStarted, later.handoversOk, later.cellId) == (1, 1, cells.cell_ids[1]) and later.samples > 0


@pytest.fixture
def scenario_network(ns):
    """Topology seed 1 (one cell, the service on a ground UE) built in this process, past its warm-up."""
    from ns3_bridge.network import Ns3Network
    from sixg.scenario import generate

    net = Ns3Network(generate(1, split="train"), run=1, window_s=0.5)
    net.build()
    net.warm_up(1.0)
    yield net
    net.destroy()


def _service_sinr(net, windows: int = 2) -> float:
    """The service UE's mean SINR over the next ``windows`` windows (after one to settle)."""
    ue = net.scenario.service.ue
    values = []
    for k in range(windows + 1):
        snap = net.advance(net.now - net.t0 + net.window_s)
        if k:
            values.append(next(u["sinr_db"] for u in snap["ues"] if u["id"] == ue))
    return sum(values) / len(values)


def test_interferer_lowers_sinr_only_while_on_and_more_with_power(scenario_network):
    """The cell's interferer is off until started; on, it lowers the service UE's SINR, more at a higher power;
    stopped, the SINR comes back."""
    net = scenario_network
    intf = net.interferers["gnb-0"]
    assert not intf.IsActive()
    quiet = _service_sinr(net)
    intf.SetPowerDbm(30.0)
    intf.Start()
    assert intf.IsActive() and math.isclose(intf.GetPowerDbm(), 30.0)
    noisy = _service_sinr(net)
    intf.SetPowerDbm(40.0)  # takes effect with the next waveform
    noisier = _service_sinr(net)
    intf.Stop()
    assert not intf.IsActive()
    again = _service_sinr(net)
    assert noisy < quiet - 2.0 and noisier < noisy - 2.0
    assert again == pytest.approx(quiet, abs=0.5)
