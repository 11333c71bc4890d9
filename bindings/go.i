/* Go typemaps for colonies.i: see go/ */
