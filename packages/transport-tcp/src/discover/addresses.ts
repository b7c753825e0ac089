import { isIP } from 'node:net';

/** The IP addresses among `values` (a CIDR suffix such as `/16` dropped), IPv4 first, without duplicates. */
export function meshAddresses(values: readonly unknown[]): string[] {
  const found = new Set<string>();
  for (const value of values) {
    if (typeof value !== 'string') continue;
    const address = value.trim().replace(/\/\d{1,3}$/, '');
    if (isIP(address) !== 0) found.add(address);
  }
  return [...found].sort((left, right) => isIP(left) - isIP(right));
}
