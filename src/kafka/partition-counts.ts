// How many partitions each topic has, asked of the cluster once per topic for the life of a producer, so
// the producer can split a batch by partition before kafkajs sees it (src/producers/serial-sender.ts).
// A count read at the first send stays for the producer's life: keys keep their partition through a
// run even if partitions are added meanwhile; the next run reads the new count.
import type { Admin, Kafka } from 'kafkajs';
import { retryRetriable } from './client.js';

/** A topic's partition count; rejects when the cluster does not know the topic. */
export interface PartitionCounts {
  count(topic: string): Promise<number>;
}

/** PartitionCounts read from the cluster's metadata through an admin client of `kafka`, made on first use. */
export class ClusterPartitionCounts implements PartitionCounts {
  private admin: Promise<Admin> | undefined;
  private readonly counts = new Map<string, Promise<number>>();

  constructor(private readonly kafka: Kafka) {}

  count(topic: string): Promise<number> {
    let count = this.counts.get(topic);
    if (!count) {
      count = this.fetch(topic);
      this.counts.set(topic, count);
      // A failed look-up is asked again on the next send rather than remembered.
      count.catch(() => this.counts.delete(topic));
    }
    return count;
  }

  /** Disconnects the admin client, if one was made. */
  async close(): Promise<void> {
    const admin = await this.admin?.catch(() => undefined);
    this.admin = undefined;
    await admin?.disconnect();
  }

  private async fetch(topic: string): Promise<number> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await retryRetriable(() => admin.connect());
      return admin;
    })();
    const admin = await this.admin;
    const { topics } = await retryRetriable(() => admin.fetchTopicMetadata({ topics: [topic] }));
    const partitions = topics.find((t) => t.name === topic)?.partitions.length ?? 0;
    if (partitions < 1) throw new Error(`Kafka's metadata lists no partition of topic ${topic}`);
    return partitions;
  }
}
