export {};
//# sourceMappingURL=failover-broadcast.test.d.ts.map