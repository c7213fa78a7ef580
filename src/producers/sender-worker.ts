// The sender thread (see sender-thread.ts): one idempotent kafkajs producer, fed packed batches by the
// producing thread. kafkajs's record and request encoding, CRC32C, compression and the wait for acks
// happen here, on this thread's own event loop, while the producing thread fetches, parses, shapes and
// encodes the next batch.
import { parentPort, workerData } from 'node:worker_threads';
import { createKafka, producerConfig, retryRetriable, type KafkaSettings } from '../kafka/client.js';
import { ClusterPartitionCounts } from '../kafka/partition-counts.js';
import { toErrorPayload } from '../threads/errors.js';
import { workerLogger } from '../threads/log.js';
import { unpackBatches } from './batch-wire.js';
import { SerialSender } from './serial-sender.js';
import type { SenderReply, SenderRequest, SenderWorkerData } from './sender-thread.js';

const port = parentPort;
if (!port) throw new Error('sender-worker.ts runs on a worker thread (see sender-thread.ts)');
const data = workerData as SenderWorkerData;
const logger = workerLogger(port, data.logLevel);
const kafka = createKafka(data.kafka as KafkaSettings, logger);
const producer = kafka.producer(producerConfig());
const partitions = new ClusterPartitionCounts(kafka);
const sender = new SerialSender(producer, partitions);
const reply = (message: SenderReply): void => port.postMessage(message);

port.on('message', (request: SenderRequest) => {
  switch (request.type) {
    case 'connect':
      retryRetriable(() => producer.connect()).then(
        () => reply({ type: 'done', id: request.id }),
        (error: unknown) => reply({ type: 'failed', id: request.id, error: toErrorPayload(error) }),
      );
      return;
    case 'send':
      // SerialSender keeps the calls in arrival order, one sendBatch at a time (the idempotent rule).
      sender.send(unpackBatches(request.batches)).then(
        () => reply({ type: 'done', id: request.id }),
        (error: unknown) => reply({ type: 'failed', id: request.id, error: toErrorPayload(error) }),
      );
      return;
    case 'disconnect':
      Promise.all([partitions.close(), producer.disconnect()]).then(
        () => {
          reply({ type: 'done', id: request.id });
          port.close();
        },
        (error: unknown) => reply({ type: 'failed', id: request.id, error: toErrorPayload(error) }),
      );
      return;
  }
});
