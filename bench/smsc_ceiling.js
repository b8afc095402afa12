#!/usr/bin/env node
// The SMSC simulator's own ceiling: a client on the same npm `smpp` package
// binds to tests/interop/smsc.js (as transceivers), keeps WINDOW submit_sm
// outstanding per bind and counts answers and receipts. The end-to-end
// messaging benchmark cannot go faster than this on the same machine.
//
//   node bench/smsc_ceiling.js PORT [MESSAGES] [WINDOW] [BINDS]
'use strict';
const path = require('path');
const smpp = require(path.join(__dirname, '..', 'tests', 'node_modules', 'smpp'));

const port = Number(process.argv[2]);
const total = Number(process.argv[3] || 50000);
const window = Number(process.argv[4] || 200);
const binds = Number(process.argv[5] || 2);

let sent = 0, answered = 0, receipts = 0, started = 0;
const perBind = Math.ceil(total / binds);

function finish() {
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(JSON.stringify({messages: total, seconds,
                                         per_second: Math.round(total / seconds)}) + '\n');
    process.exit(0);
}

function run(bindIndex) {
    const session = smpp.connect({url: 'smpp://127.0.0.1:' + port, auto_enquire_link_period: 0});
    let mine = 0, outstanding = 0;
    const pump = () => {
        while (outstanding < window && mine < perBind && sent < total) {
            ++mine; ++sent; ++outstanding;
            session.submit_sm({destination_addr: '2547' + String(sent).padStart(8, '0'),
                               source_addr: 'Ujumbe', registered_delivery: 1,
                               short_message: 'Bench message ' + sent}, () => {
                --outstanding; ++answered;
                pump();
            });
        }
    };
    session.on('deliver_sm', (pdu) => {
        session.send(pdu.response());
        if (++receipts === total) finish();
    });
    session.bind_transceiver({system_id: 'ujumbe', password: 'secret'}, (pdu) => {
        if (pdu.command_status !== 0) throw new Error('bind failed ' + pdu.command_status);
        if (!started) started = Date.now();
        pump();
    });
}

for (let i = 0; i < binds; ++i) run(i);
