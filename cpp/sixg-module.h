// Umbrella header of the sixg ns-3 module (what the Python bridge loads through cppyy).
#ifndef SIXG_MODULE_H
#define SIXG_MODULE_H

#include "model/sixg-edge-server.h"
#include "model/sixg-interferer.h"
#include "model/sixg-job-header.h"
#include "model/sixg-kpi-probe.h"
#include "model/sixg-radio-monitor.h"
#include "model/sixg-traffic-app.h"
#include "model/sixg-util.h"

#endif
