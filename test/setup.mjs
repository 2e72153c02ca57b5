// Loaded by mocha before any test (compiled or run from source through tsx).
import 'reflect-metadata';
