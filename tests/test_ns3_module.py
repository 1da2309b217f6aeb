"""sixg's C++ ns-3 module, exercised class by class through cppyy on tiny point-to-point networks."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.ns3


@pytest.fixture(scope="module")
def ns():
    from ns3_bridge import runtime

    return runtime.load().ns


@pytest.fixture
def link(ns):
    """Two hosts on one link; returns (nodes, addresses, set_link)."""
    ns.Simulator.Destroy()
    ns.RngSeedManager.SetSeed(1)
    ns.RngSeedManager.SetRun(1)
    ns.RngSeedManager.ResetNextStreamIndex()

    def make(rate="100Mbps", delay_ms=5.0):
        nodes = ns.NodeContainer()
        nodes.Create(2)
        p2p = ns.PointToPointHelper()
        p2p.SetDeviceAttribute("DataRate", ns.DataRateValue(ns.DataRate(rate)))
        p2p.SetChannelAttribute("Delay", ns.TimeValue(ns.Seconds(delay_ms / 1000)))
        devs = p2p.Install(nodes)
        ns.InternetStackHelper().Install(nodes)
        addr = ns.Ipv4AddressHelper()
        addr.SetBase(ns.Ipv4Address("10.1.1.0"), ns.Ipv4Mask("255.255.255.0"))
        ifs = addr.Assign(devs)
        return nodes, (ifs.GetAddress(0), ifs.GetAddress(1))

    yield make
    ns.Simulator.Destroy()


def _server(ns, node, *, capacity, ports=(5001,), response_size=1000):
    srv = ns.CreateObject[ns.SixgEdgeServer]()
    srv.SetAttribute("Capacity", ns.DoubleValue(capacity))
    srv.SetAttribute("ResponseSize", ns.UintegerValue(response_size))
    for p in ports:
        srv.AddListenPort(p)
    node.AddApplication(srv)
    return srv


def _client(ns, node, remote, port, *, jobs_per_s, size=200, responses=1, poisson=True):
    app = ns.CreateObject[ns.SixgTrafficApp]()
    app.SetAttribute("Remote", ns.AddressValue(ns.SixgSocketAddress(remote, port)))
    app.SetAttribute("PacketSize", ns.UintegerValue(size))
    app.SetAttribute("DataRate", ns.DataRateValue(ns.DataRate(int(jobs_per_s * size * 8))))
    app.SetAttribute("ResponsePackets", ns.UintegerValue(responses))
    app.SetAttribute("Poisson", ns.BooleanValue(poisson))
    node.AddApplication(app)
    return app


def _run(ns, seconds):
    ns.Simulator.Stop(ns.Seconds(seconds))
    ns.Simulator.Run()


def test_job_header_round_trip(ns):
    """A job header survives serialisation with every field intact."""
    h = ns.SixgJobHeader()
    h.SetSeq(77)
    h.SetFlags(ns.SixgJobHeader.FLAG_REQUEST)
    h.SetResponsePackets(4)
    h.SetCost(3)
    h.SetTxTime(ns.MilliSeconds(1234))
    p = ns.Packet(10)
    p.AddHeader(h)
    assert p.GetSize() == 10 + h.GetSerializedSize()
    out = ns.SixgJobHeader()
    p.RemoveHeader(out)
    assert (out.GetSeq(), out.GetFlags(), out.GetResponsePackets(), out.GetCost()) == (77, 1, 4, 3)
    assert out.GetTxTime().GetMilliSeconds() == 1234


def test_edge_load_tracks_offered_jobs(ns, link):
    """The server's utilisation is the offered job rate over its capacity, and it serves every job."""
    nodes, (a, b) = link()
    srv = _server(ns, nodes.Get(1), capacity=100.0)
    _client(ns, nodes.Get(0), b, 5001, jobs_per_s=40)
    _run(ns, 1.0)
    srv.TakeWindow()
    _run(ns, 20.0)
    w = srv.TakeWindow()
    assert w.utilisation == pytest.approx(0.4, abs=0.06)
    assert w.arrivals == pytest.approx(19 * 40, rel=0.1)
    assert w.dropped == 0
    assert abs(int(w.served) - int(w.arrivals)) <= 3


def test_queueing_shows_in_response_latency(ns, link):
    """A busier server answers later: response latency grows with load, above the link round trip."""
    means = []
    for load in (0.2, 0.9):
        ns.Simulator.Destroy()
        nodes, (a, b) = link(delay_ms=5.0)
        _server(ns, nodes.Get(1), capacity=100.0)
        app = _client(ns, nodes.Get(0), b, 5001, jobs_per_s=100 * load)
        _run(ns, 30.0)
        w = app.GetTotals()
        means.append(w.latencySumMs / w.rxPackets)
    assert means[0] > 10.0  # two link traversals
    assert means[1] > 2 * means[0]


def test_traffic_app_rate_pause_resume_and_redirect(ns, link):
    """Rate changes, pause, resume and a new destination all take effect mid-run."""
    nodes, (a, b) = link()
    srv1 = _server(ns, nodes.Get(1), capacity=1e6, ports=(5001,))
    srv2 = _server(ns, nodes.Get(1), capacity=1e6, ports=(5002,))
    app = _client(ns, nodes.Get(0), b, 5001, jobs_per_s=100, poisson=False)
    _run(ns, 1.0)
    app.TakeWindow()
    _run(ns, 1.0)
    base = app.TakeWindow().txPackets
    app.SetRateBps(2 * 100 * 200 * 8)
    _run(ns, 1.0)
    assert app.TakeWindow().txPackets == pytest.approx(2 * base, rel=0.05)
    app.Pause()
    _run(ns, 1.0)
    assert app.TakeWindow().txPackets == 0 and app.IsPaused()
    app.Resume()
    _run(ns, 1.0)
    assert app.TakeWindow().txPackets > 0
    srv1.TakeWindow()
    srv2.TakeWindow()
    app.SetRemote(ns.SixgSocketAddress(b, 5002))
    _run(ns, 1.0)
    assert srv2.TakeWindow().arrivals > 0
    assert srv1.TakeWindow().arrivals <= 2  # at most what was already in flight


def test_kpi_probe_groups_and_overload_loss(ns, link):
    """Flows are grouped by port; an overloaded link shows loss and delay, an idle one none."""
    results = {}
    for label, total_mbps in (("light", 0.5), ("overload", 2.0)):
        ns.Simulator.Destroy()
        nodes, (a, b) = link(rate="1Mbps", delay_ms=2.0)
        _server(ns, nodes.Get(1), capacity=1e6, ports=(6000, 7000))
        for port, share in ((6000, 0.25), (7000, 0.75)):
            app = ns.CreateObject[ns.SixgTrafficApp]()
            app.SetAttribute("Remote", ns.AddressValue(ns.SixgSocketAddress(b, port)))
            app.SetAttribute("PacketSize", ns.UintegerValue(500))
            app.SetAttribute("DataRate", ns.DataRateValue(ns.DataRate(int(total_mbps * share * 1e6))))
            nodes.Get(0).AddApplication(app)
        probe = ns.CreateObject[ns.SixgKpiProbe]()
        # The overloaded queue delays packets ~2 s: a long timeout counts only real drops.
        probe.SetAttribute("LossTimeout", ns.TimeValue(ns.Seconds(10)))
        probe.AddPortGroup(1, 6000, 6999)
        probe.AddPortGroup(2, 7000, 7999)
        probe.Install(nodes)
        _run(ns, 3.0)
        probe.Sample()
        _run(ns, 5.0)
        results[label] = {int(k.group): k for k in probe.Sample()}
    light, heavy = results["light"], results["overload"]
    assert set(light) == {1, 2}
    assert light[1].lossRate < 0.01 and light[2].lossRate < 0.01
    assert light[1].throughputMbps + light[2].throughputMbps == pytest.approx(0.5 * 528 / 500, rel=0.1)
    # The link's fair queueing protects the flow within its fair share; the big one loses.
    lost = sum(int(k.lostPackets) for k in heavy.values())
    assert lost / sum(int(k.lostPackets) + int(k.rxPackets) for k in heavy.values()) == pytest.approx(0.5, abs=0.1)
    assert heavy[2].lossRate > 0.4
    assert heavy[1].throughputMbps + heavy[2].throughputMbps == pytest.approx(1.0, rel=0.1)
    assert heavy[2].delayMs > 5 * light[2].delayMs
