// A downstream subscriber: reads a streamtap topic and decodes every record with the schema files alone
// (or, for Confluent-framed messages, the registry in SCHEMA_REGISTRY_URL). Old schema versions decode
// too, and a version added to schemas/ while this runs is picked up.
//
//   KAFKA_BROKERS=localhost:9092 npx tsx examples/subscriber.ts savvycal.events [schemas-dir] [max-messages]
import kafkajs from 'kafkajs';
import { loadSourceSchemas, SchemaDecoder } from '../src/avro/schema-store.js';
import { sourceOfTopic } from '../src/contracts/topics.js';

const [topic = 'savvycal.events', schemasDir = 'schemas', max = 'Infinity'] = process.argv.slice(2);
const source = sourceOfTopic(topic);
const decoder = new SchemaDecoder(await loadSourceSchemas(schemasDir, source), { schemasDir, source });

const kafka = new kafkajs.Kafka({
  brokers: (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(','),
  logLevel: kafkajs.logLevel.WARN,
});
const consumer = kafka.consumer({ groupId: `example-subscriber.${topic}` });
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
let seen = 0;
await consumer.run({
  eachBatch: async ({ batch, resolveOffset }) => {
    await decoder.resolve(batch.messages.map((m) => m.value)); // schema versions or registry ids not seen yet
    for (const message of batch.messages) {
      if (!message.value || seen >= Number(max)) continue;
      const { codec, value } = decoder.decode(message.value);
      console.log(
        JSON.stringify({ key: message.key?.toString(), schema: `${codec.resource} v${codec.version}`, record: value }),
      );
      resolveOffset(message.offset);
      if (++seen === Number(max)) setImmediate(() => void consumer.disconnect());
    }
  },
});
process.once('SIGINT', () => void consumer.disconnect());
