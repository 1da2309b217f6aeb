"""One scenario built in ns-3 and driven window by window (runs inside a worker).

:class:`Ns3Network` turns a :class:`sixg.scenario.Scenario` into an LTE/EPC network
(the wheel has no NR module), applies :mod:`sixg.actions` at window boundaries and
returns each window's KPIs. What an action means is recorded by its
:class:`sixg.control.ControlState`; this module adds only what ns-3 must do about it. Everything that cannot be created once the simulation
runs (UEs, bearers, surge load, interferers) is provisioned up front, paused.

Slices map to bearers: mMTC rides the default bearer (QCI 9), eMBB a dedicated
non-GBR bearer (QCI 6), URLLC a dedicated GBR bearer (QCI 3). The managed service
reaches its server on one port per slice, so switching slice is a change of
destination port that the bearers' traffic flow templates pick up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ns3_bridge import runtime
from sixg.actions import (
    Action,
    BackhaulDegradation,
    CongestionSurge,
    Degradation,
    DegradationOnset,
    DegradationRecovery,
    EdgeOffload,
    EdgeOverload,
    GracefulDegradation,
    Handover,
    InterferenceSurge,
    ReallocateSlices,
    SwitchSlice,
)
from sixg.control import ControlState
from sixg.domain import SLICES, SliceType
from sixg.errors import InvalidActionError, UserError
from sixg.snapshot import ActionResult
from sixg.scenario import Scenario

SERVICE_PORT = {SliceType.EMBB: 5001, SliceType.URLLC: 5002, SliceType.MMTC: 5003}
SLICE_PORTS = {SliceType.EMBB: (6000, 6999), SliceType.URLLC: (7000, 7999), SliceType.MMTC: (8000, 8999)}
TENANT_PORT = 9000
GROUP_SERVICE = 0
GROUP_OF_SLICE = {SliceType.EMBB: 1, SliceType.URLLC: 2, SliceType.MMTC: 3}
#: Timeout charged as latency when a window delivers no response at all.
NO_RESPONSE_LATENCY_MS = 1000.0
#: A packet (or a service response) not delivered this long after it was sent is lost,
#: the same deadline the latency above charges; one arriving later is not counted.
DELIVERY_TIMEOUT_S = NO_RESPONSE_LATENCY_MS / 1000.0
TENANT_JOB_BYTES = 100
#: The mMTC slice admits low-rate devices only: a service moved there is policed to this.
MMTC_DEVICE_CAP_MBPS = 0.8
SCHEDULER = "ns3::CqaFfMacScheduler"
#: The order in which the service's UE gets its two dedicated bearers. ns-3 numbers a
#: UE's logical channels in activation order, and in a saturated cell that numbering
#: changes how the scheduler splits capacity between the service's eMBB bearer and the
#: other eMBB load (tests/test_ns3_ground_truth.py measures it: the service on eMBB
#: loses several times more under a surge with URLLC first). The order is fixed here,
#: URLLC first, so that a saturated cell squeezes the service's eMBB bearer like any
#: other eMBB tenant and moving to URLLC stays the remedy, as on the surrogate.
SERVICE_BEARER_ORDER = (SliceType.URLLC, SliceType.EMBB)
RAN_DESCRIPTION = "LTE/EPC (ns-3 lte module; the installed ns-3 has no NR module)"


@dataclass
class _Flow:
    app: object
    slice: SliceType
    base_rate_bps: float
    gnb: str | None  # cell of its UE at start (for surge / shaping bookkeeping)


class Ns3Network:
    """A scenario running in this process's ns-3. Build with :meth:`build`, then step."""

    def __init__(self, scenario: Scenario, *, run: int, window_s: float, service_bearer_order: tuple[SliceType, ...] = SERVICE_BEARER_ORDER):
        if sorted(service_bearer_order, key=lambda s: s.value) != sorted((SliceType.EMBB, SliceType.URLLC), key=lambda s: s.value):
            raise UserError(f"service_bearer_order must list eMBB and URLLC once each, got {[s.value for s in service_bearer_order]}")
        self.service_bearer_order = tuple(service_bearer_order)
        self.scenario = scenario
        self.run = run
        self.window_s = window_s
        self.rt = runtime.load()
        self.ns = self.rt.ns
        self.now = 0.0
        self.control = ControlState(scenario)
        self.last_latency_ms = 0.0
        self.t0 = 0.0

    # ------------------------------------------------------------------ build
    def build(self) -> None:
        """Build the scenario in a fresh ns-3 simulation, element by element.

        The order is part of the result: ns-3 hands out random streams in creation
        order, so changing it changes every trace.
        """
        self._seed_and_defaults()
        self._build_lte()
        self._build_hosts()
        self._build_cells()
        self._build_ues()
        self._build_bearers()
        self._build_servers()
        self._build_service()
        self._build_background()
        self._build_interferers()
        self._build_backhaul()
        self._build_probes()
        self._apply_shares()

    def _seed_and_defaults(self) -> None:
        """Start a fresh simulation with this episode's random stream and ns-3 defaults."""
        ns, sc = self.ns, self.scenario
        ns.Simulator.Destroy()
        ns.RngSeedManager.SetSeed(1000 + sc.seed)
        ns.RngSeedManager.SetRun(self.run)
        ns.RngSeedManager.ResetNextStreamIndex()

        d = ns.Config.SetDefault
        d("ns3::LteRlcUm::MaxTxBufferSize", ns.UintegerValue(64 * 1024))
        d("ns3::LteEnbRrc::SrsPeriodicity", ns.UintegerValue(80))
        d("ns3::LteUePhy::TxPower", ns.DoubleValue(23.0))
        d("ns3::LteUePhy::NoiseFigure", ns.DoubleValue(sc.ran.ue_noise_figure_db))
        d("ns3::LteEnbNetDevice::DlBandwidth", ns.UintegerValue(sc.ran.bandwidth_rb))
        d("ns3::LteEnbNetDevice::UlBandwidth", ns.UintegerValue(sc.ran.bandwidth_rb))
        d("ns3::LteEnbNetDevice::DlEarfcn", ns.UintegerValue(sc.ran.earfcn_dl))
        d("ns3::LteEnbNetDevice::UlEarfcn", ns.UintegerValue(sc.ran.earfcn_dl + 18000))

    def _build_lte(self) -> None:
        """The LTE/EPC helpers: scheduler, no automatic handover, log-distance path loss."""
        ns, sc = self.ns, self.scenario
        lte = ns.CreateObject[ns.LteHelper]()
        epc = ns.CreateObject[ns.PointToPointEpcHelper]()
        lte.SetEpcHelper(epc)
        lte.SetSchedulerType(SCHEDULER)
        lte.SetHandoverAlgorithmType("ns3::NoOpHandoverAlgorithm")
        lte.SetPathlossModelType(ns.TypeId.LookupByName("ns3::LogDistancePropagationLossModel"))
        lte.SetPathlossModelAttribute("Exponent", ns.DoubleValue(sc.ran.pathloss_exponent))
        lte.SetPathlossModelAttribute("ReferenceLoss", ns.DoubleValue(sc.ran.pathloss_reference_db))
        self.lte, self.epc = lte, epc

    def _build_hosts(self) -> None:
        """Remote hosts: the cloud behind a long backbone, the edge next to the gateway."""
        ns, sc = self.ns, self.scenario
        pgw = self.epc.GetPgwNode()
        hosts = ns.NodeContainer()
        hosts.Create(2)
        self.cloud_node, self.edge_node = hosts.Get(0), hosts.Get(1)
        internet = ns.InternetStackHelper()
        internet.Install(hosts)
        self.host_addr: dict[str, object] = {}
        self.host_links: dict[str, object] = {}
        routing = ns.Ipv4StaticRoutingHelper()
        for name, node, spec, rate, net in (
            ("cloud", self.cloud_node, sc.cloud, "1Gbps", "1.0.0.0"),
            ("edge", self.edge_node, sc.edge, "10Gbps", "2.0.0.0"),
        ):
            p2p = ns.PointToPointHelper()
            p2p.SetDeviceAttribute("DataRate", ns.DataRateValue(ns.DataRate(rate)))
            p2p.SetDeviceAttribute("Mtu", ns.UintegerValue(1500))
            p2p.SetChannelAttribute("Delay", ns.TimeValue(ns.Seconds(spec.link_delay_ms / 1000.0)))
            devs = p2p.Install(pgw, node)
            ipv4h = ns.Ipv4AddressHelper()
            ipv4h.SetBase(ns.Ipv4Address(net), ns.Ipv4Mask("255.255.255.0"))
            ifaces = ipv4h.Assign(devs)
            self.host_addr[name] = ifaces.GetAddress(1)
            ipv4 = node.GetObject[ns.Ipv4]()
            routing.GetStaticRouting(ipv4).AddNetworkRouteTo(ns.Ipv4Address("7.0.0.0"), ns.Ipv4Mask("255.0.0.0"), 1)
            self.host_links[name] = devs
        self._internet, self._routing = internet, routing  # the UEs get the same stack and routing

    def _build_cells(self) -> None:
        """Base stations at their positions and transmit powers."""
        ns, sc, lte = self.ns, self.scenario, self.lte
        enbs = ns.NodeContainer()
        enbs.Create(len(sc.gnbs))
        mob = ns.MobilityHelper()
        mob.SetMobilityModel("ns3::ConstantPositionMobilityModel")
        mob.Install(enbs)
        for i, g in enumerate(sc.gnbs):
            enbs.Get(i).GetObject[ns.MobilityModel]().SetPosition(ns.Vector(g.position.x, g.position.y, g.position.z))
        enb_devs = lte.InstallEnbDevice(enbs)
        self.enb_devs = enb_devs
        self.gnb_index = {g.id: i for i, g in enumerate(sc.gnbs)}
        self.cell_to_gnb: dict[int, str] = {}
        for i, g in enumerate(sc.gnbs):
            dev = ns.DynamicCast[ns.LteEnbNetDevice](enb_devs.Get(i))
            dev.GetPhy().SetTxPower(g.tx_power_dbm)
            self.cell_to_gnb[int(dev.GetCellId())] = g.id
        self.enb_nodes = enbs

    def _build_ues(self) -> None:
        """UEs (UAVs included), all created before the start: ns-3 cannot add one later."""
        ns, sc, lte, epc, internet, routing, enbs = self.ns, self.scenario, self.lte, self.epc, self._internet, self._routing, self.enb_nodes
        ues = ns.NodeContainer()
        ues.Create(len(sc.ues))
        self.ue_index = {u.id: i for i, u in enumerate(sc.ues)}
        for i, u in enumerate(sc.ues):
            node = ues.Get(i)
            model = "ns3::ConstantVelocityMobilityModel" if u.kind == "uav" else "ns3::ConstantPositionMobilityModel"
            mh = ns.MobilityHelper()
            mh.SetMobilityModel(model)
            mh.Install(node)
            node.GetObject[ns.MobilityModel]().SetPosition(ns.Vector(u.position.x, u.position.y, u.position.z))
        ue_devs = lte.InstallUeDevice(ues)
        internet.Install(ues)
        ue_ifaces = epc.AssignUeIpv4Address(ue_devs)
        self.ue_addr = {u.id: ue_ifaces.GetAddress(i) for i, u in enumerate(sc.ues)}
        gw = epc.GetUeDefaultGatewayAddress()
        for i in range(len(sc.ues)):
            ipv4 = ues.Get(i).GetObject[ns.Ipv4]()
            routing.GetStaticRouting(ipv4).SetDefaultRoute(gw, 1)
        lte.Attach(ue_devs)
        if len(sc.gnbs) > 1:
            lte.AddX2Interface(enbs)
        self.ue_nodes, self.ue_devs = ues, ue_devs

    def _build_bearers(self) -> None:
        """Bearers: eMBB and URLLC get dedicated bearers matched by port; mMTC stays on the default."""
        sc, ue_devs = self.scenario, self.ue_devs
        service_ue = sc.service.ue
        for i, u in enumerate(sc.ues):
            dev = ue_devs.Get(i)
            if u.id == service_ue:
                for s in self.service_bearer_order:
                    self._dedicated_bearer(dev, s, service=True)
            elif u.slice in (SliceType.EMBB, SliceType.URLLC):
                self._dedicated_bearer(dev, u.slice, service=False)

    def _build_servers(self) -> None:
        """Servers: the cloud answers on every service port and sinks uplink background;
        the edge answers on the service ports and serves its other tenants.
        """
        ns, sc = self.ns, self.scenario
        self.servers = {}
        for name, node, spec in (("cloud", self.cloud_node, sc.cloud), ("edge", self.edge_node, sc.edge)):
            srv = ns.CreateObject[ns.SixgEdgeServer]()
            srv.SetAttribute("Capacity", ns.DoubleValue(spec.capacity_jobs_s))
            srv.SetAttribute("QueueLimit", ns.UintegerValue(spec.queue_limit))
            srv.SetAttribute("ResponseSize", ns.UintegerValue(sc.service.response_bytes))
            for port in SERVICE_PORT.values():
                srv.AddListenPort(port)
            node.AddApplication(srv)
            srv.SetStartTime(ns.Seconds(0.0))
            self.servers[name] = srv
        self.servers["edge"].AddListenPort(TENANT_PORT)

    def _build_service(self) -> None:
        """The managed service, the edge's tenants (always on) and an edge overload's extra tenants (paused)."""
        ns, sc, ues = self.ns, self.scenario, self.ue_nodes
        svc = sc.service
        app = self._app(
            ues.Get(self.ue_index[svc.ue]),
            self._remote(self.control.host, SERVICE_PORT[self.control.slice]),
            rate_bps=self._service_rate_bps(),
            packet_bytes=svc.request_bytes,
            response_packets=svc.response_packets,
        )
        self.service_app = app

        # Edge tenants (always on) and the extra tenants of an edge overload (paused).
        loop = ns.SixgSocketAddress(ns.Ipv4Address("127.0.0.1"), TENANT_PORT)
        self.tenant_app = self._app(self.edge_node, loop, rate_bps=max(1.0, sc.edge.tenant_load_jobs_s) * TENANT_JOB_BYTES * 8, packet_bytes=TENANT_JOB_BYTES, job=True, poisson=True, paused=sc.edge.tenant_load_jobs_s <= 0)
        self.overload_app = self._app(self.edge_node, loop, rate_bps=TENANT_JOB_BYTES * 8, packet_bytes=TENANT_JOB_BYTES, job=True, poisson=True, paused=True)

    def _build_background(self) -> None:
        """Background flows, and surge load provisioned paused (eMBB downlink toward a cell's UEs)."""
        ns, sc, ues = self.ns, self.scenario, self.ue_nodes
        sink_helper_nodes = []
        self.flows: dict[str, _Flow] = {}
        start_cell = {u.id: sc.nearest_gnb(u.position).id for u in sc.ues}
        for f in sc.flows:
            ue_node = ues.Get(self.ue_index[f.ue])
            if f.direction == "dl":
                a = self._app(self.cloud_node, ns.SixgSocketAddress(self.ue_addr[f.ue], f.port), rate_bps=f.rate_bps, packet_bytes=f.packet_bytes)
                sink_helper_nodes.append((ue_node, f.port))
            else:
                self.servers["cloud"].AddListenPort(f.port)
                a = self._app(ue_node, ns.SixgSocketAddress(self.host_addr["cloud"], f.port), rate_bps=f.rate_bps, packet_bytes=f.packet_bytes)
            self.flows[f.id] = _Flow(app=a, slice=f.slice, base_rate_bps=f.rate_bps, gnb=start_cell[f.ue])

        # Surge load, provisioned paused: eMBB downlink toward each cell's UEs.
        self.surges: dict[str, list] = {}
        port = SLICE_PORTS[SliceType.EMBB][1] - 50
        for s in sc.surges:
            apps = []
            for ue in s.ues:
                a = self._app(self.cloud_node, ns.SixgSocketAddress(self.ue_addr[ue], port), rate_bps=s.rate_bps / max(1, len(s.ues)), packet_bytes=1200, paused=True)
                sink_helper_nodes.append((ues.Get(self.ue_index[ue]), port))
                apps.append(a)
                port += 1
            self.surges[s.gnb] = apps
        for node, p in sink_helper_nodes:
            sink = ns.PacketSinkHelper("ns3::UdpSocketFactory", ns.SixgSocketAddress(ns.Ipv4Address.GetAny(), p))
            sink.Install(node).Start(ns.Seconds(0.0))

    def _build_interferers(self) -> None:
        """Interferers, one per cell, off until an interference surge."""
        ns, sc, lte = self.ns, self.scenario, self.lte
        self.interferers = {}
        channel = lte.GetDownlinkSpectrumChannel()
        for spec in sc.interferers:
            node = ns.CreateObject[ns.Node]()
            mh = ns.MobilityHelper()
            mh.SetMobilityModel("ns3::ConstantPositionMobilityModel")
            mh.Install(node)
            node.GetObject[ns.MobilityModel]().SetPosition(ns.Vector(spec.position.x, spec.position.y, spec.position.z))
            intf = ns.CreateObject[ns.SixgInterferer]()
            intf.Install(node, channel, sc.ran.earfcn_dl, sc.ran.bandwidth_rb)
            intf.SetPowerDbm(spec.power_dbm)
            self.interferers[spec.gnb] = intf

    def _build_backhaul(self) -> None:
        """Backhaul: the S1-U link of each eNB, with an error model that starts at zero loss."""
        ns, epc, enbs = self.ns, self.epc, self.enb_nodes
        self.backhaul = {}
        sgw = epc.GetSgwNode()
        for gid, i in self.gnb_index.items():
            node = enbs.Get(i)
            for k in range(node.GetNDevices()):
                dev = node.GetDevice(k)
                p2p = ns.DynamicCast[ns.PointToPointNetDevice](dev)
                if not p2p:
                    continue
                chan = ns.DynamicCast[ns.PointToPointChannel](p2p.GetChannel())
                other = chan.GetDevice(1) if chan.GetDevice(0) == dev else chan.GetDevice(0)
                if other.GetNode().GetId() != sgw.GetId():
                    continue
                errors = []
                for end in (p2p, ns.DynamicCast[ns.PointToPointNetDevice](other)):
                    em = ns.CreateObject[ns.RateErrorModel]()
                    em.SetAttribute("ErrorRate", ns.DoubleValue(0.0))
                    em.SetAttribute("ErrorUnit", ns.StringValue("ERROR_UNIT_PACKET"))
                    end.SetReceiveErrorModel(em)
                    errors.append(em)
                delay = ns.TimeValue()
                chan.GetAttribute("Delay", delay)
                self.backhaul[gid] = {"channel": chan, "errors": errors, "base_delay_s": delay.Get().GetSeconds()}

    def _build_probes(self) -> None:
        """KPI probes: FlowMonitor per port group, and the UEs' radio."""
        ns, sc, ues, ue_devs = self.ns, self.scenario, self.ue_nodes, self.ue_devs
        probe = ns.CreateObject[ns.SixgKpiProbe]()
        probe.SetAttribute("LossTimeout", ns.TimeValue(ns.Seconds(DELIVERY_TIMEOUT_S)))
        probe.AddPortGroup(GROUP_SERVICE, min(SERVICE_PORT.values()), max(SERVICE_PORT.values()))
        for s in SLICES:
            lo, hi = SLICE_PORTS[s]
            probe.AddPortGroup(GROUP_OF_SLICE[s], lo, hi)
        monitored = ns.NodeContainer()
        monitored.Add(ues)
        monitored.Add(self.cloud_node)
        monitored.Add(self.edge_node)
        probe.Install(monitored)
        self.probe = probe
        radio = ns.CreateObject[ns.SixgRadioMonitor]()
        for i in range(len(sc.ues)):
            radio.AddUe(ue_devs.Get(i))
        self.radio = radio

    def _dedicated_bearer(self, dev, slc: SliceType, *, service: bool) -> None:
        ns = self.ns
        tft = ns.Create[ns.EpcTft]()
        pf = ns.EpcTft.PacketFilter()
        if service:
            port = SERVICE_PORT[slc]
            pf.remotePortStart = port
            pf.remotePortEnd = port
        else:
            lo, hi = SLICE_PORTS[slc]
            pf.localPortStart, pf.localPortEnd = lo, hi
            tft.Add(pf)
            pf = ns.EpcTft.PacketFilter()
            pf.remotePortStart, pf.remotePortEnd = lo, hi
        tft.Add(pf)
        if slc is SliceType.URLLC:
            qos = ns.GbrQosInformation()
            qos.gbrDl = 8_000_000
            qos.gbrUl = 500_000
            qos.mbrDl = 20_000_000
            qos.mbrUl = 5_000_000
            bearer = ns.EpsBearer(ns.EpsBearer.GBR_GAMING, qos)
        else:
            bearer = ns.EpsBearer(ns.EpsBearer.NGBR_VIDEO_TCP_OPERATOR)
        self.lte.ActivateDedicatedEpsBearer(dev, bearer, tft)

    def _service_rate_bps(self) -> float:
        """Request rate of the service in its current slice (mMTC polices it down)."""
        svc = self.scenario.service
        nominal = svc.request_rate_hz * svc.request_bytes * 8
        if self.control.slice is SliceType.MMTC and svc.offered_mbps > MMTC_DEVICE_CAP_MBPS:
            return nominal * MMTC_DEVICE_CAP_MBPS / svc.offered_mbps
        return nominal

    def _remote(self, host: str, port: int):
        return self.ns.SixgSocketAddress(self.host_addr[host], port)

    def _app(self, node, remote, *, rate_bps, packet_bytes, response_packets=0, job=False, poisson=False, paused=False):
        ns = self.ns
        app = ns.CreateObject[ns.SixgTrafficApp]()
        app.SetAttribute("Remote", ns.AddressValue(remote))
        app.SetAttribute("DataRate", ns.DataRateValue(ns.DataRate(int(max(1.0, rate_bps)))))
        app.SetAttribute("PacketSize", ns.UintegerValue(int(packet_bytes)))
        app.SetAttribute("ResponsePackets", ns.UintegerValue(int(response_packets)))
        app.SetAttribute("Job", ns.BooleanValue(job))
        app.SetAttribute("Poisson", ns.BooleanValue(poisson))
        app.SetAttribute("StartPaused", ns.BooleanValue(paused))
        app.SetAttribute("ResponseTimeout", ns.TimeValue(ns.Seconds(DELIVERY_TIMEOUT_S)))
        node.AddApplication(app)
        app.SetStartTime(ns.Seconds(0.05))
        return app

    # ------------------------------------------------------------------ actions
    def _apply_shares(self) -> None:
        """Police each slice's background load to its share of the cell's capacity.

        Mainline LTE schedulers have no per-slice weights, so a slice's resource share
        is enforced where an operator would police it: at the sources of its load.
        Surge load is eMBB load and shares the eMBB budget. The managed service is not
        policed (except by the mMTC slice's per-device cap).
        """
        c = self.control
        cap = self.scenario.ran.nominal_cell_capacity_mbps * 1e6
        # A slice's graceful degradation either shapes every flow of it to (1 - fraction)
        # or sheds (pauses) that fraction of its flows, largest first.
        factor = {s: 1.0 for s in SLICES}
        shed: set[int] = set()
        for slc, policy in c.degraded.items():
            if policy.mode == "shape":
                factor[slc] = max(0.0, 1.0 - policy.fraction)
            else:
                flows = sorted((f for f in self.flows.values() if f.slice is slc), key=lambda f: -f.base_rate_bps)
                shed.update(id(f) for f in flows[: math.floor(policy.fraction * len(flows) + 0.5)])
        demand: dict[tuple[str | None, SliceType], list[tuple[object, float]]] = {}
        for f in self.flows.values():
            if id(f) in shed or factor[f.slice] <= 0.0:
                f.app.Pause()
                continue
            f.app.Resume()
            demand.setdefault((f.gnb, f.slice), []).append((f.app, f.base_rate_bps * factor[f.slice]))
        ev = c.active.get("congestion")
        if ev is not None:
            apps = self.surges[ev.gnb]
            surge = 1.0 - c.shaped(SliceType.EMBB)  # degrading eMBB also shapes surge load
            for a in apps:
                demand.setdefault((ev.gnb, SliceType.EMBB), []).append((a, ev.rate_mbps * 1e6 * surge / len(apps)))
        for (_, slc), sources in demand.items():
            budget = c.shares[slc] * cap
            total = sum(rate for _, rate in sources)
            scale = min(1.0, budget / total) if total > 0 else 1.0
            for app, rate in sources:
                app.SetRateBps(max(1.0, rate * scale))

    def apply(self, action: Action) -> ActionResult:
        """Apply one action now (it passed ``self.control.validate``): its meaning, then ns-3's physics."""
        ns, c = self.ns, self.control
        if isinstance(action, Handover) or (isinstance(action, DegradationOnset) and action.degradation.kind == "uav_drift"):
            ue = action.ue if isinstance(action, Handover) else action.degradation.uav
            c.serving[ue] = self._serving_gnb(ue)  # the cell ns-3 has now, not at the last window
        applied = c.apply(action)
        if not applied.ok:
            return applied.result
        if isinstance(action, SwitchSlice):
            self.service_app.SetRemote(self._remote(c.host, SERVICE_PORT[c.slice]))
            self.service_app.SetRateBps(self._service_rate_bps())
        elif isinstance(action, EdgeOffload):
            self.service_app.SetRemote(self._remote(c.host, SERVICE_PORT[c.slice]))
        elif isinstance(action, (ReallocateSlices, GracefulDegradation)):
            self._apply_shares()
        elif isinstance(action, Handover):
            ue_dev = self.ue_devs.Get(self.ue_index[action.ue])
            if int(ns.DynamicCast[ns.LteUeNetDevice](ue_dev).GetRrc().GetState()) != int(ns.LteUeRrc.CONNECTED_NORMALLY):
                # ns-3 aborts on a handover request for a UE that is not connected.
                return ActionResult(action=applied.result.action, ok=False, reason=f"{action.ue} is not in a connected state (handover or reconnection under way)")
            source = self.enb_devs.Get(self.gnb_index[applied.result.details["source_gnb"]])
            self.lte.HandoverRequest(ns.MilliSeconds(0), ue_dev, source, self.enb_devs.Get(self.gnb_index[action.target_gnb]))
        elif isinstance(action, (DegradationOnset, DegradationRecovery)):
            if applied.ended is not None:
                self._stop(applied.ended)
            if isinstance(action, DegradationOnset):
                self._start(action.degradation)
        return applied.result

    def _start(self, ev: Degradation) -> None:
        """Switch a degradation's load or fault on in ns-3 (a UAV's drift is kinematics only)."""
        if isinstance(ev, InterferenceSurge):
            intf = self.interferers[ev.gnb]
            intf.SetPowerDbm(ev.power_dbm)
            intf.Start()
        elif isinstance(ev, BackhaulDegradation):
            self._set_backhaul(ev.gnb, ev.extra_delay_ms / 1000.0, ev.loss_rate)
        elif isinstance(ev, CongestionSurge):
            for a in self.surges[ev.gnb]:
                a.Resume()
            self._apply_shares()
        elif isinstance(ev, EdgeOverload):
            self.overload_app.SetRateBps(ev.extra_load * self.scenario.edge.capacity_jobs_s * TENANT_JOB_BYTES * 8)
            self.overload_app.Resume()

    def _stop(self, ev: Degradation) -> None:
        """Undo everything :meth:`_start` changed, so the network returns to its baseline."""
        if isinstance(ev, InterferenceSurge):
            self.interferers[ev.gnb].Stop()
        elif isinstance(ev, BackhaulDegradation):
            self._set_backhaul(ev.gnb, 0.0, 0.0)
        elif isinstance(ev, CongestionSurge):
            for a in self.surges[ev.gnb]:
                a.Pause()
            self._apply_shares()  # the surge squeezed the cell's eMBB budget: give it back
        elif isinstance(ev, EdgeOverload):
            self.overload_app.Pause()

    def _set_backhaul(self, gnb: str, extra_delay_s: float, loss_rate: float) -> None:
        ns, b = self.ns, self.backhaul[gnb]
        b["channel"].SetAttribute("Delay", ns.TimeValue(ns.Seconds(b["base_delay_s"] + extra_delay_s)))
        for em in b["errors"]:
            em.SetAttribute("ErrorRate", ns.DoubleValue(loss_rate))

    def _serving_gnb(self, ue: str) -> str | None:
        dev = self.ns.DynamicCast[self.ns.LteUeNetDevice](self.ue_devs.Get(self.ue_index[ue]))
        return self.cell_to_gnb.get(int(dev.GetRrc().GetCellId()))

    # ------------------------------------------------------------------ time
    def _place_uavs(self, seconds: float) -> None:
        """Set each UAV's ns-3 position and velocity for the coming ``seconds``."""
        ns = self.ns
        for uid, m in self.control.uavs.items():
            start = m.position
            m.advance(seconds)
            end = m.position
            node = self.ue_nodes.Get(self.ue_index[uid])
            model = node.GetObject[ns.ConstantVelocityMobilityModel]()
            model.SetPosition(ns.Vector(*start))
            model.SetVelocity(ns.Vector(*((e - s) / seconds for s, e in zip(start, end))))

    def warm_up(self, seconds: float) -> dict:
        """Run ``seconds`` before the episode starts (attach, queues filling).

        Episode time 0 is the end of the warm-up; the snapshot returned covers its
        last window only, so attach transients do not leak into the initial state.
        """
        if seconds > self.window_s:
            self.advance(seconds - self.window_s)
        snap = self.advance(self.now + self.window_s)
        self.t0 = self.now
        snap["t"] = 0.0
        return snap

    def advance(self, until_s: float) -> dict:
        """Run the simulation to episode time ``until_s`` (one window) and return that window's KPIs."""
        ns = self.ns
        until_abs = until_s + self.t0
        if until_abs <= self.now + 1e-9:
            raise InvalidActionError(
                f"time must move forward: asked to advance to t={until_s:.3f}s but the episode is at t={self.now - self.t0:.3f}s"
            )
        until_s = until_abs
        # UAV motion for this window is set after the window's actions were applied, so a
        # new flight plan or a drift takes effect in the window it was given in.
        self._place_uavs(until_s - self.now)
        ns.Simulator.Stop(ns.Seconds(until_s - self.now))
        ns.Simulator.Run()
        window = until_s - self.now
        self.now = until_s
        return self._sample(window)

    def _sample(self, window: float) -> dict:
        ns = self.ns
        svc = self.service_app.TakeWindow()
        if svc.rxPackets > 0:
            latency = svc.latencySumMs / svc.rxPackets
        elif svc.requestsSent > 0:
            latency = NO_RESPONSE_LATENCY_MS
        else:
            latency = self.last_latency_ms
        self.last_latency_ms = latency
        jitter = svc.jitterSumMs / svc.jitterSamples if svc.jitterSamples > 0 else 0.0
        settled = svc.rxPackets + svc.responsesLost
        loss = svc.responsesLost / settled if settled > 0 else 0.0
        throughput = svc.rxBytes * 8 / window / 1e6
        edge = self.servers["edge"].TakeWindow()
        self.servers["cloud"].TakeWindow()  # keep its window aligned with the others
        groups = {int(k.group): k for k in self.probe.Sample()}

        def kpi(k):
            return {
                "latency_ms": float(k.delayMs),
                "jitter_ms": float(k.jitterMs),
                "loss_rate": float(k.lossRate),
                "throughput_mbps": float(k.throughputMbps),
                "tx_packets": int(k.txPackets),
                "rx_packets": int(k.rxPackets),
            }

        ues = []
        for uid, i in self.ue_index.items():
            r = self.radio.TakeWindow(i)
            self.control.serving[uid] = self.cell_to_gnb.get(int(r.cellId))
            node = self.ue_nodes.Get(i)
            p = node.GetObject[ns.MobilityModel]().GetPosition()
            ues.append(
                {
                    "id": uid,
                    "gnb": self.control.serving[uid],
                    "rsrp_dbm": float(r.rsrpDbm),
                    "sinr_db": float(r.sinrDb),
                    "position": {"x": float(p.x), "y": float(p.y), "z": max(0.0, float(p.z))},
                    "handover_in_progress": bool(r.handoverInProgress),
                    "handovers_ok": int(r.handoversOk),
                    "handovers_failed": int(r.handoversFailed),
                }
            )
        uavs = {
            uid: {"battery_wh": m.battery_wh, "battery_fraction": m.battery_fraction, "drifting": m.drifting, "distance_flown_m": m.distance_flown_m}
            for uid, m in self.control.uavs.items()
        }
        return {
            "t": round(self.now - self.t0, 9),
            "window_s": window,
            "state": {
                "slice": self.control.slice.value,
                "latency_ms": latency,
                "jitter_ms": jitter,
                "loss_rate": loss,
                "throughput_mbps": throughput,
                "edge_load": float(edge.utilisation),
            },
            "service": {
                "host": self.control.host,
                "requests": int(svc.requestsSent),
                "responses": int(svc.rxPackets),
                "latency_max_ms": float(svc.latencyMaxMs),
                "flow": kpi(groups[GROUP_SERVICE]),
            },
            "slices": {s.value: {**kpi(groups[GROUP_OF_SLICE[s]]), "share": self.control.shares[s]} for s in SLICES},
            "edge": {
                "utilisation": float(edge.utilisation),
                "queue_jobs": float(edge.meanQueueJobs),
                "arrivals": int(edge.arrivals),
                "dropped": int(edge.dropped),
                "capacity_jobs_s": float(self.servers["edge"].GetCapacity()),
            },
            "ues": ues,
            "uavs": uavs,
            "degradations": sorted(self.control.active),
            "ran": RAN_DESCRIPTION if not self.rt.nr_available else "LTE/EPC (an NR module is installed but sixg drives the LTE stack)",
            "backend": "ns3",
        }

    def destroy(self) -> None:
        self.ns.Simulator.Destroy()
