// The console's views, one module each. A view is
//   { id, route: "requests/:id", nav: {group, label} | null, visible(): bool, render(ctx): Promise<Node> }
// where visible() asks session.can(...) for the actions the view offers, and ctx carries
// {params, query, navigate, refresh}. The order here is the navigation order. Views of later
// services (seal system, seal use, KMC recovery) plug in by adding their module to this list.

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
    audit,
    staff,
];
