#!/usr/bin/env node
// An SMPP client on the npm `smpp` package for the benchmarks: binds
// BINDS transceivers to an SMSC, keeps WINDOW submit_sm outstanding per bind
// (registered_delivery 1) and times the answers and the receipts.
// - Against tests/interop/smsc.js: the simulator's own ceiling, which the
//   end-to-end messaging benchmark cannot pass on the same machine.
// - Against Ujumbe's SMPP server: a customer submitting through it.
//
//   node bench/smpp_client.js PORT [MESSAGES] [WINDOW] [BINDS] [SYSTEM_ID] [PASSWORD]
//
// Prints {"messages", "seconds" (to the last receipt), "per_second",
// "answered_per_second" (to the last submit_sm_resp), "refused", "statuses"
// (the refusals by command_status)}.
'use strict';
const path = require('path');
const smpp = require(path.join(__dirname, '..', 'tests', 'node_modules', 'smpp'));

const port = Number(process.argv[2]);
const total = Number(process.argv[3] || 50000);
const window = Number(process.argv[4] || 200);
const binds = Number(process.argv[5] || 2);
const systemId = process.argv[6] || 'ujumbe';
const password = process.argv[7] || 'secret';

const statuses = {};
let sent = 0, answered = 0, refused = 0, receipts = 0, started = 0, answeredAt = 0;
const perBind = Math.ceil(total / binds);

function finish() {
    const seconds = (Date.now() - started) / 1000;
    const answerSeconds = (answeredAt - started) / 1000;
    process.stdout.write(JSON.stringify({
        messages: total, seconds, per_second: Math.round(total / seconds),
        answered_per_second: Math.round(total / answerSeconds), refused, statuses}) + '\n');
    process.exit(0);
}

function run() {
    const session = smpp.connect({url: 'smpp://127.0.0.1:' + port, auto_enquire_link_period: 0});
    let mine = 0, outstanding = 0;
    const pump = () => {
        while (outstanding < window && mine < perBind && sent < total) {
            ++mine; ++sent; ++outstanding;
            session.submit_sm({destination_addr: '2547' + String(sent).padStart(8, '0'),
                               dest_addr_ton: 1, dest_addr_npi: 1, source_addr: 'Ujumbe',
                               registered_delivery: 1,
                               short_message: 'Bench message ' + sent}, (pdu) => {
                --outstanding;
                if (pdu.command_status !== 0) {
                    ++refused;
                    statuses[pdu.command_status] = (statuses[pdu.command_status] || 0) + 1;
                }
                if (++answered === total) {
                    answeredAt = Date.now();
                    if (refused) finish();  // no receipts will come for those
                }
                pump();
            });
        }
    };
    session.on('deliver_sm', (pdu) => {
        session.send(pdu.response());
        if (++receipts === total) finish();
    });
    session.bind_transceiver({system_id: systemId, password}, (pdu) => {
        if (pdu.command_status !== 0) throw new Error('bind failed ' + pdu.command_status);
        if (!started) started = Date.now();
        pump();
    });
}

for (let i = 0; i < binds; ++i) run();
