build2/obj/labvm/kernel.o: labvm/kernel.c labvm/lab.h common/util.h
labvm/lab.h:
common/util.h:
