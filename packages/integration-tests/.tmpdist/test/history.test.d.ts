export {};
//# sourceMappingURL=history.test.d.ts.map