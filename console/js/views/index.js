// The console's views, one module each. A view is
//   { id, route: "requests/:id", nav: {group, label} | null, visible(): bool, render(ctx): Promise<Node> }
// where visible() asks session.can(...) for the actions the view offers, and ctx carries
// {params, query, navigate, refresh}. The order here is the navigation order. Views of the seal
// system, seal use and KMC recovery are listed like the others.

import home from "./home.js";
import queue from "./queue.js";
import overdue from "./overdue.js";
import request from "./request.js";
import submit from "./submit.js";
import certificates from "./certificates.js";
import certificate from "./certificate.js";
import expiring from "./expiring.js";
import cardBatches from "./card_batches.js";
import statistics from "./statistics.js";
import publication from "./publication.js";
import audit from "./audit.js";
import staff from "./staff.js";
import sealApplications from "./seal_applications.js";
import sealApplication from "./seal_application.js";
import seals from "./seals.js";
import seal from "./seal.js";
import sealUses from "./seal_uses.js";
import sealUse from "./seal_use.js";
import sealUseLog from "./seal_use_log.js";
import { recoveryList, recoveryDetail } from "./recoveries.js";

export const views = [
    home,
    queue,
    overdue,
    request,
    submit,
    certificates,
    certificate,
    expiring,
    cardBatches,
    statistics,
    publication,
    sealApplications,
    sealApplication,
    seals,
    seal,
    sealUses,
    sealUse,
    sealUseLog,
    recoveryList,
    recoveryDetail,
    audit,
    staff,
];
